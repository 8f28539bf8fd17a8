"""Count the rolling-origin backtest cases the data support, per indicator and horizon, without forecasting.

Why: ``analysis backtest`` draws Monte Carlo forecasts for every case, which takes minutes; to
compare how many cases two data sets support (the bundled data alone against the bundled data
plus ``$ANALYSIS_DATA_PATH``) only the case selection is needed. The selection below is the one of
:func:`analysis.backtest.backtest_cases` (a case needs an outcome h years later, at least
``own.MIN_CHANGES`` own changes up to the origin, a pooled fit and a peer fit); the count equals
the ``n`` of the model ``pooled`` in ``analysis backtest --format json``.

Usage: ``python data/scripts/backtest_case_counts.py [--level province]`` (prints JSON:
``{"by_indicator": {indicator: {h: n}}, "all": {h: n}}``). Example::

    python data/scripts/backtest_case_counts.py --level province
    ANALYSIS_DATA_PATH=../shared/data python data/scripts/backtest_case_counts.py --level province
"""
from __future__ import annotations

import argparse
import json
import sys


def case_counts(levels: tuple[str, ...] = ("province",)) -> dict[str, dict[int, int]]:
    """``{indicator: {horizon: n}}`` of backtest cases on the loaded panel (bundled + extra folders)."""
    from analysis.assess import Engine
    from analysis.backtest import HORIZONS
    from analysis.models import own

    eng = Engine(None, seed=0, n_draws=10)
    out: dict[str, dict[int, int]] = {}
    for ind in sorted(eng._by_indicator):
        full = eng.levels(ind, 10 ** 4)
        full = full[full["level"].isin(levels)]
        observed = set(zip(full["region"], full["year"]))
        for origin in sorted(int(y) for y in full["year"].unique()):
            cut = eng.levels(ind, origin)
            now = cut[cut["level"].isin(levels) & (cut["year"] == origin)]
            changes = eng.changes(ind, origin)
            for _, reg in now.iterrows():
                horizons = [h for h in HORIZONS if (reg["region"], origin + h) in observed]
                if not horizons or (changes["region"] == reg["region"]).sum() < own.MIN_CHANGES:
                    continue
                if eng.pooled_fit(ind, origin, reg["level"], reg["parent"]) is None:
                    continue
                for h in horizons:
                    if eng.peer_fit(ind, origin, h, reg["region"], reg["level"], reg["parent"]) is not None:
                        out.setdefault(ind, {}).setdefault(h, 0)
                        out[ind][h] += 1
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--level", action="append", help="region level (repeatable; default province)")
    args = parser.parse_args(argv)
    counts = case_counts(tuple(args.level or ["province"]))
    total: dict[int, int] = {}
    for by_h in counts.values():
        for h, n in by_h.items():
            total[h] = total.get(h, 0) + n
    print(json.dumps({"by_indicator": counts, "all": dict(sorted(total.items()))}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
