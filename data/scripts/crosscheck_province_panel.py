"""Cross-check ``data/series/province_rd_nbs.csv`` against a shared province panel (read only).

Compares ``rd_intensity`` and ``rd_expenditure`` for every (region, indicator, year) key present in
both files. From our file the first row of a key is used (the first-published bulletin figure; later
``revised:`` rows are only reported when they explain a disagreement). Two values agree when
``|diff| <= 0.005`` for %, ``<= 0.05`` for 亿元, or the relative difference is ``<= 1e-3``.

Usage: ``python data/scripts/crosscheck_province_panel.py [PANEL_CSV] [--ours OURS_CSV]``
(default panel: /work/shared/data/province_panel.csv). Prints a summary and the disagreements.
"""
from __future__ import annotations

import argparse
import csv
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PANEL = Path("/work/shared/data/province_panel.csv")
DEFAULT_OURS = ROOT / "data" / "series" / "province_rd_nbs.csv"
INDICATORS = ("rd_intensity", "rd_expenditure")
ABS_TOL = {"%": 0.005, "亿元": 0.05}
REL_TOL = 1e-3

Key = tuple[str, str, int]


@dataclass
class Result:
    """Outcome of the comparison."""

    n_ours: int = 0
    n_panel: int = 0
    matched: int = 0
    equal: int = 0
    disagreements: list[tuple[Key, float, float, float | None, bool]] = field(default_factory=list)

    @property
    def share_equal(self) -> float:
        """Share of matched keys that agree (1.0 when nothing matched)."""
        return self.equal / self.matched if self.matched else 1.0


def agree(a: float, b: float, unit: str) -> bool:
    """True when ``a`` and ``b`` are equal within rounding for ``unit``."""
    diff = abs(a - b)
    return diff <= ABS_TOL.get(unit, 0.0) + 1e-12 or diff <= REL_TOL * max(abs(a), abs(b))


def read_keys(path: Path) -> tuple[dict[Key, tuple[float, str, bool]], dict[Key, list[float]]]:
    """First value per key (with its unit and whether it is a ``revised:`` row), plus later values."""
    first: dict[Key, tuple[float, str, bool]] = {}
    later: dict[Key, list[float]] = {}
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["indicator"] not in INDICATORS or not row["value"].strip():
                continue
            key = (row["region"].strip(), row["indicator"], int(float(row["year"])))
            value = float(row["value"])
            if key in first:
                later.setdefault(key, []).append(value)
            else:
                first[key] = (value, row["unit"].strip(), row.get("note", "").startswith("revised:"))
    return first, later


def crosscheck(panel_path: Path = DEFAULT_PANEL, ours_path: Path = DEFAULT_OURS) -> Result:
    """Compare our first-published values with the panel's values, key by key."""
    ours, ours_later = read_keys(ours_path)
    panel, _ = read_keys(panel_path)
    res = Result(n_ours=len(ours), n_panel=len(panel))
    for key in sorted(set(ours) & set(panel), key=lambda k: (k[2], k[1], k[0])):
        (a, unit, is_revised), (b, _, _) = ours[key], panel[key]
        res.matched += 1
        if agree(a, b, unit):
            res.equal += 1
        else:
            revised = next((v for v in ours_later.get(key, []) if agree(v, b, unit)), None)
            res.disagreements.append((key, a, b, revised, is_revised))
    return res


def report(res: Result, panel_path: Path, ours_path: Path) -> str:
    """Printable summary."""
    lines = [
        f"ours:  {ours_path} ({res.n_ours} keys)",
        f"panel: {panel_path} ({res.n_panel} keys)",
        f"matching (region, indicator, year) keys: {res.matched}",
        f"equal within rounding: {res.equal} ({100 * res.share_equal:.1f}%)",
        f"disagreements: {len(res.disagreements)}",
    ]
    for (region, indicator, year), a, b, revised, is_revised in res.disagreements:
        extra = f" (our revised row {revised} agrees)" if revised is not None else ""
        extra += " (ours is a revised figure from the next bulletin; no first-published row)" if is_revised else ""
        lines.append(f"  {region} {indicator} {year}: ours {a} vs panel {b} (diff {a - b:+.4g}){extra}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("panel", nargs="?", type=Path, default=DEFAULT_PANEL)
    parser.add_argument("--ours", type=Path, default=DEFAULT_OURS)
    args = parser.parse_args(argv)
    if not args.panel.exists():
        print(f"panel not found: {args.panel}", file=sys.stderr)
        return 2
    print(report(crosscheck(args.panel, args.ours), args.panel, args.ours))
    return 0


if __name__ == "__main__":
    sys.exit(main())
