"""Cross-check the bundled provincial series against a shared province panel (read only).

Compares every (region, indicator, year) key present in both an our file and the panel, indicator
by indicator, after converting both to the canonical unit (万元 → 亿元, via ``analysis.data.units``).
From our file the first row of a key is used (for ``province_rd_nbs.csv`` the first-published
bulletin figure; later ``revised:`` rows are only reported when they explain a disagreement). Two
values agree when ``|diff| <= 0.005`` for %, ``<= 0.05`` for 亿元, or the relative difference is
``<= 1e-3``. Each of our files is compared on its own (default: ``province_rd_nbs.csv`` and
``province_techme.csv``), so a reader sees which source agrees.

Usage: ``python data/scripts/crosscheck_province_panel.py [PANEL_CSV] [--ours OURS_CSV ...]``
(default panel: ../shared/data/province_panel.csv beside the repository). Prints, per file, the keys compared, equal
and differing per indicator, and every disagreement with its reason where known.
"""
from __future__ import annotations

import argparse
import csv
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PANEL = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "province_panel.csv"
DEFAULT_OURS = ROOT / "data" / "series" / "province_rd_nbs.csv"
DEFAULT_OURS_ALL = (DEFAULT_OURS, ROOT / "data" / "series" / "province_techme.csv")
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
    #: indicator -> [compared, equal, ours only, panel only]
    by_indicator: dict[str, list[int]] = field(default_factory=dict)
    reasons: dict[Key, str] = field(default_factory=dict)

    @property
    def share_equal(self) -> float:
        """Share of matched keys that agree (1.0 when nothing matched)."""
        return self.equal / self.matched if self.matched else 1.0


def agree(a: float, b: float, unit: str) -> bool:
    """True when ``a`` and ``b`` are equal within rounding for ``unit``."""
    diff = abs(a - b)
    return diff <= ABS_TOL.get(unit, 0.0) + 1e-12 or diff <= REL_TOL * max(abs(a), abs(b))


def canonical(value: float, unit: str) -> tuple[float, str]:
    """Value in the canonical unit (万元 → 亿元); the project's one unit table decides."""
    from analysis.data.units import to_canonical

    return to_canonical(value, unit)


def read_keys(path: Path, notes: dict[Key, str] | None = None
              ) -> tuple[dict[Key, tuple[float, str, bool]], dict[Key, list[float]]]:
    """First value per key (canonical unit, whether it is a ``revised:`` row), plus later values.

    ``notes`` (optional) receives the first row's ``note`` per key, to explain disagreements.
    """
    first: dict[Key, tuple[float, str, bool]] = {}
    later: dict[Key, list[float]] = {}
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if not row["value"].strip():
                continue
            key = (row["region"].strip(), row["indicator"], int(float(row["year"])))
            value, unit = canonical(float(row["value"]), row["unit"].strip())
            if key in first:
                later.setdefault(key, []).append(value)
            else:
                first[key] = (value, unit, row.get("note", "").startswith("revised:"))
                if notes is not None:
                    notes[key] = row.get("note", "")
    return first, later


def reason(key: Key, note: str, revised: float | None, is_revised: bool) -> str:
    """Why two values differ, where the rows say it (revision, corrected region name); else ''."""
    if revised is not None:
        return "a later revision in our file agrees with the panel"
    if is_revised:
        return "ours is a revised figure from the next bulletin"
    if "revised figure from a later bulletin" in note:
        return "ours is first published; the panel or the other file carries a revised figure"
    if "OCR error" in note:
        return "region name corrected from an OCR garble in the source table"
    return ""


def crosscheck(panel_path: Path = DEFAULT_PANEL, ours_path: Path = DEFAULT_OURS) -> Result:
    """Compare our first-published values with the panel's values, key by key."""
    notes: dict[Key, str] = {}
    ours, ours_later = read_keys(ours_path, notes)
    panel, _ = read_keys(panel_path)
    res = Result(n_ours=len(ours), n_panel=len(panel))
    ours_inds = {k[1] for k in ours}
    for ind in sorted(ours_inds & {k[1] for k in panel}):
        o = {k for k in ours if k[1] == ind}
        p = {k for k in panel if k[1] == ind}
        res.by_indicator[ind] = [len(o & p), 0, len(o - p), len(p - o)]
    for key in sorted(set(ours) & set(panel), key=lambda k: (k[2], k[1], k[0])):
        (a, unit, is_revised), (b, _, _) = ours[key], panel[key]
        res.matched += 1
        if agree(a, b, unit):
            res.equal += 1
            res.by_indicator[key[1]][1] += 1
        else:
            revised = next((v for v in ours_later.get(key, []) if agree(v, b, unit)), None)
            res.disagreements.append((key, a, b, revised, is_revised))
            res.reasons[key] = reason(key, notes.get(key, ""), revised, is_revised)
    return res


def report(res: Result, panel_path: Path, ours_path: Path) -> str:
    """Printable summary."""
    lines = [
        f"ours:  {ours_path} ({res.n_ours} keys)",
        f"panel: {panel_path} ({res.n_panel} keys)",
        f"matching (region, indicator, year) keys: {res.matched}",
        f"equal within rounding: {res.equal} ({100 * res.share_equal:.1f}%)",
        f"disagreements: {len(res.disagreements)}",
        f"  {'indicator':32s} {'compared':>8s} {'equal':>6s} {'differ':>6s} {'ours only':>9s} {'panel only':>10s}",
    ]
    for ind, (n, eq, only_o, only_p) in res.by_indicator.items():
        lines.append(f"  {ind:32s} {n:8d} {eq:6d} {n - eq:6d} {only_o:9d} {only_p:10d}")
    for key, a, b, revised, is_revised in res.disagreements:
        region, indicator, year = key
        why = res.reasons.get(key) or "reason not known"
        lines.append(f"  {region} {indicator} {year}: ours {a:g} vs panel {b:g} (diff {a - b:+.4g}): {why}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("panel", nargs="?", type=Path, default=DEFAULT_PANEL)
    parser.add_argument("--ours", type=Path, action="append",
                        help="our series CSV (repeatable; default: province_rd_nbs.csv and province_techme.csv)")
    args = parser.parse_args(argv)
    if not args.panel.exists():
        print(f"panel not found: {args.panel}", file=sys.stderr)
        return 2
    for i, ours in enumerate(args.ours or [p for p in DEFAULT_OURS_ALL if p.exists()]):
        if not ours.exists():
            print(f"our file not found: {ours}", file=sys.stderr)
            return 2
        print(("\n" if i else "") + report(crosscheck(args.panel, ours), args.panel, ours))
    return 0


if __name__ == "__main__":
    sys.exit(main())
