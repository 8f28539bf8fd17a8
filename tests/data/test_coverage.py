"""Coverage grid counts sourced values per region-year."""
import pandas as pd

from analysis.data.coverage import coverage_grid


def test_grid_counts_sources_and_totals():
    s = pd.DataFrame({
        "region": ["A市", "A市", "A市", "B市"], "parent": ["P", "P", "P", "P"], "level": "city",
        "indicator": "hte_count", "year": [2020, 2020, 2022, 2021], "value": [1.0, 2.0, 3.0, 4.0],
    })
    g = coverage_grid("hte_count", level="city", series=s)
    assert list(g.columns) == [2020, 2021, 2022, "total"]
    assert g.loc[("P", "A市"), 2020] == 2 and g.loc[("P", "A市"), 2021] == 0
    assert g.loc[("P", "A市"), "total"] == 2 and g.loc[("P", "B市"), "total"] == 1
