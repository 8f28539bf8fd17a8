"""Build ``recalibration.json``: the cumulative Platt maps of rungs B and C and the proof that decides
whether the engine applies them (:mod:`analysis.models.recalibrate` holds the maths and the hook);
rung C's per-indicator maps and gates (:mod:`analysis.models.recalibrate_indicator`) under ``indicator``.

Run from the repository (bundled data only; ``--cache DIR`` keeps the ladder cases as pickles)::

    python -m analysis.models.recalibrate          # same as python -m analysis.models.recalibrate_build

Example: ``proof(cases_c, "C")["applied"]`` is True when the recalibration of rung C improves the
log score out of sample, both cross-fitted by indicator and time-respecting.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.models import recalibrate_indicator as indicator_maps
from analysis.models.recalibrate import (BUILD_COMMAND, BUILD_DRAWS, BUILD_SEED, GROUP_BY, MAP_PATH, MIN_EVENTS,
                                         MIN_YEARS, RUNGS, cross_fit, maps_by_year, reliability_before_after,
                                         scores)


def proof(cases: pd.DataFrame, rung: str) -> dict[str, Any]:
    """Whether the recalibration of ``rung`` is proven out of sample, and the scores that say so.

    ``calibrated`` says whether the raw P is calibrated out of sample, pooled and in every held-out
    group (the cluster-bootstrap Platt slope check of :mod:`analysis.models.calibration_check`,
    stored under ``calibration``); where a target's group is neither calibrated nor recalibrated,
    it shows no headline probability.
    Applied only if the log score (the proper score the map maximises) improves both when cross-fitted
    by group on all years and when cross-fitted by group *and* time-respecting (the map a case's origin
    year could have known), and the time-respecting Brier score does not worsen by more than 0.001.
    The scores stored are the time-respecting ones, over the events that had a map.
    """
    full = reliability_before_after(cases, rung)["scores"].iloc[0]
    tr = cross_fit(cases[cases["rung"] == rung].reset_index(drop=True) if "rung" in cases else cases,
                   GROUP_BY[rung], time_respecting=True)
    tr = tr[tr["has_map"]]
    before, after = scores(tr["p"], tr["met"]), scores(tr["p_cal"], tr["met"])
    all_ok = bool(full["log_after"] < full["log_before"])
    applied = bool(all_ok and after["log_score"] < before["log_score"] and after["brier"] <= before["brier"] + 1e-3)
    failed = None if applied else (
        {"check": "all_years", "brier_before": round(float(full["brier_before"]), 4),
         "brier_after": round(float(full["brier_after"]), 4), "log_before": round(float(full["log_before"]), 4),
         "log_after": round(float(full["log_after"]), 4)} if not all_ok else
        {"check": "time_respecting", "brier_before": round(before["brier"], 4), "brier_after": round(after["brier"], 4),
         "log_before": round(before["log_score"], 4), "log_after": round(after["log_score"], 4)})
    from analysis.models.calibration_check import slope_check

    own = cases[cases["rung"] == rung].reset_index(drop=True) if "rung" in cases else cases
    check = slope_check(own, GROUP_BY[rung])
    return {"applied": applied, "failed": failed, "by": GROUP_BY[rung], "n_events": before["n"],
            "calibrated": check["calibrated"], "calibration": check,
            "brier_before": round(before["brier"], 4), "brier_after": round(after["brier"], 4),
            "log_before": round(before["log_score"], 4), "log_after": round(after["log_score"], 4),
            "all_years": {k: v if isinstance(v, str) else (int(v) if k in ("n", "with_map") else round(float(v), 4))
                          for k, v in full.items()}}


def build(cases: dict[str, pd.DataFrame], data_sha256: str, command: str) -> dict[str, Any]:
    """The artefact: cumulative maps per rung, and the out-of-sample proof that decides whether they apply."""
    out: dict[str, Any] = {"method": "platt", "formula": "p_cal = sigmoid(a + b*logit(clip(p, 1e-4, 1-1e-4)))",
                           "data_sha256": data_sha256, "command": command, "n_draws": BUILD_DRAWS,
                           "seed": BUILD_SEED, "min_events": MIN_EVENTS, "min_years": MIN_YEARS,
                           "maps": {}, "proof": {}}
    for rung, c in cases.items():
        maps = maps_by_year(c)
        out["maps"][rung] = {str(y): m.to_json() for y, m in maps.items()}
        out["proof"][rung] = proof(c, rung)
        if rung == indicator_maps.RUNG and out["proof"][rung]["applied"]:
            out["indicator"] = indicator_maps.build(c, maps)
            last = out["indicator"]["gates"][max(out["indicator"]["gates"], key=int)]
            out["proof"][rung]["calibration_after"] = {"pooled": last["pooled"], "groups": last["groups"],
                                                       "unseen": last.get("unseen")}
    return out


def _cases(rung: str, cache: Path | None) -> pd.DataFrame:
    """The ladder cases of ``rung`` on the bundled data (read from / written to ``cache`` if given)."""
    from analysis.backtest_ladder import ladder_cases

    path = cache / f"cases_{rung}.pkl" if cache else None
    if path is not None and path.exists():
        return pd.read_pickle(path)
    cases = ladder_cases(None, rung=rung, n_draws=BUILD_DRAWS, seed=BUILD_SEED)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        cases.to_pickle(path)
    return cases


def main(argv: list[str] | None = None) -> int:
    """Build ``recalibration.json`` from the bundled data's ladder cases and print the proof tables."""
    ap = argparse.ArgumentParser(prog=BUILD_COMMAND, description=main.__doc__)
    ap.add_argument("--cache", type=Path, help="folder to read/write the ladder cases (cases_B.pkl, cases_C.pkl)")
    ap.add_argument("--report-only", action="store_true", help="print the cross-fitted tables, write nothing")
    args = ap.parse_args(argv)
    from analysis.provenance import folder_hash
    from analysis.config import data_dir

    if os.environ.get("ANALYSIS_DATA_PATH") and not args.report_only:
        print("recalibration.json is learned on the bundled data only: unset ANALYSIS_DATA_PATH "
              "(or pass --report-only)", file=sys.stderr)
        return 2
    cases = {rung: _cases(rung, args.cache) for rung in RUNGS}
    pd.set_option("display.width", 160)
    for rung, c in cases.items():
        for by, tr in dict.fromkeys(((GROUP_BY[rung], False), ("indicator", False), (GROUP_BY[rung], True))):
            r = reliability_before_after(c, rung, by=by, time_respecting=tr)
            print(f"\n== rung {rung}: cross-fitted by {by}{', time-respecting' if tr else ''}")
            print(pd.concat({"before": r["before"].set_index("bin"), "after": r["after"].set_index("bin")}, axis=1)
                  .round(3).to_string())
            print(r["scores"].round(4).to_string(index=False))
    if not args.report_only:
        art = build(cases, folder_hash(data_dir()), BUILD_COMMAND)
        MAP_PATH.write_text(json.dumps(art, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        for rung, maps in art["maps"].items():
            pr = {k: v for k, v in art["proof"][rung].items() if k not in ("calibration", "calibration_after")}
            print(f"rung {rung}: last map {maps[max(maps, key=int)] if maps else None}; proof {pr}")
            cal = art["proof"][rung]["calibration"]
            print(pd.DataFrame({"pooled": cal["pooled"], **cal["groups"]}).T.to_string())
            print(f"rung {rung} calibrated everywhere (95 % cluster-bootstrap interval of the slope holds 1, slope in [2/3, 3/2]): {cal['calibrated']}")
            after = art["proof"][rung].get("calibration_after")
            if after:
                print(f"rung {rung} after per-indicator recalibration (out of sample; applied: {art['indicator']['applied']}, "
                      f"scores {art['indicator']['proof']}):")
                print(pd.DataFrame({"pooled": after["pooled"], "unseen": after["unseen"], **after["groups"]}).T.to_string())
        print(f"wrote {MAP_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
