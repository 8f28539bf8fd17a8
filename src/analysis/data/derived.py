"""Derived series, always marked ``derived=true`` with the rule in ``note``.

High-tech enterprise certificates last three years, so where no reported year-end stock exists
the stock of valid certificates in year t is approximated by the certifications of t, t−1 and
t−2 (hte_certified is a flow). Guangdong 2020–2022: 69,775 against the 6.9万 reported for 2022.
"""
from __future__ import annotations

import pandas as pd

HTE_STOCK_NOTE = "derived: three-year sum of hte_certified (t, t−1, t−2; certificates are valid three years)"


def derived_hte_stock(panel: pd.DataFrame) -> pd.DataFrame:
    """hte_count rows derived from hte_certified, for region-years with no reported stock."""
    cert = panel[panel["indicator"] == "hte_certified"]
    if cert.empty:
        return panel.iloc[0:0]
    reported = set(zip(*panel.loc[panel["indicator"] == "hte_count", ["region", "year"]].T.to_numpy())) \
        if (panel["indicator"] == "hte_count").any() else set()
    rows = []
    for region, g in cert.groupby("region"):
        by_year = dict(zip(g["year"], g["value"]))
        first = g.iloc[0]
        for year in sorted(by_year):
            if year - 1 in by_year and year - 2 in by_year and (region, year) not in reported:
                total = by_year[year] + by_year[year - 1] + by_year[year - 2]
                rows.append({
                    **{c: first[c] for c in ("region", "level", "parent")},
                    "indicator": "hte_count", "year": int(year), "value": float(total), "unit": "家",
                    "qualifier": "approx", "reliability": first.get("reliability", "official"),
                    "source": "derived from hte_certified rows of " + str(first.get("source", "")),
                    "quote": f"hte_certified {year - 2}–{year}: {by_year[year - 2]:g}+{by_year[year - 1]:g}+{by_year[year]:g}",
                    "derived": True, "note": HTE_STOCK_NOTE, "n_sources": 1, "conflict": False,
                })
    return pd.DataFrame(rows)


def with_derived(panel: pd.DataFrame) -> pd.DataFrame:
    """The panel plus derived rows (only where nothing is reported)."""
    extra = derived_hte_stock(panel)
    if extra.empty:
        return panel
    return pd.concat([panel, extra], ignore_index=True).sort_values(["region", "indicator", "year"]).reset_index(drop=True)
