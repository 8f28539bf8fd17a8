"""Build ``data/series/city_documents.csv`` from the documents in ``data/raw/city_documents/``.

Each document is read by the past-value extractor (``analysis extract --past``) with the region,
year, URL and reliability stated in ``data/raw/city_documents/README.md`` (repeated in DOCUMENTS
below). The candidates were reviewed by hand: REJECT lists the ones a reader would not take (none
at the time of writing: the rows the extractor should not propose were fixed in the extractor).

Only annual values of catalogue indicators are bundled (reported and derived levels). Growth
rates (``*_growth``) and partial-year values (``*_ytd<M>``) validate but are left out of the
bundled panel because the models read every indicator of the panel as a level series; run
``analysis extract --past`` on the same files to get them.

Run: ``python data/scripts/build_city_documents.py`` (offline; needs the installed package).
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RAW = ROOT / "data" / "raw" / "city_documents"
OUT = ROOT / "data" / "series" / "city_documents.csv"

#: file → (region, level, parent, document year, source URL, reliability)
DOCUMENTS = {
    "chuzhou_2014_news.txt": ("滁州市", "city", "安徽省", 2014, "http://te-ch.tech/news/show-88276.html", "secondary"),
    "gongyi_2020_news.txt": ("巩义市", "county", "河南省", 2020,
                             "https://www.cngy.gov.cn/gongkai/show/20200113150056-31870-00-000.html", "official"),
    "cangzhou_2022_news_traditional.txt": ("沧州市", "city", "河北省", 2022,
                                           "http://houyingdance.com/zx/2022/0210/20468.html", "secondary"),
    "fuzhou_2015_summary.txt": ("福州市", "city", "福建省", 2016,
                                "https://fuzhou.gov.cn/zgfzzt/skjj/kjzl/ghjh/201603/t20160311_1280065.htm", "official"),
    "yuhang_2023_plan_report.txt": ("余杭区", "district", "浙江省", 2023,
                                    "http://cgyfzs.com/art/2023/3/2/art_1229174981_4144661.html", "secondary"),
    "nantong_2023_ytd_patents.txt": ("南通市", "city", "江苏省", 2023,
                                     "http://scjgj.nantong.gov.cn/ntsgsj/cz/content/1f96cd6a-2a10-4a70-930d-e223ede9cbb0.html",
                                     "official"),
    "jingzhou_2017_summary.txt": ("荆州市", "city", "湖北省", 2017,
                                  "http://jk.jznews.com.cn/jx/szdw_detail.aspx?bid=65&nian=2017&targ=3", "press"),
    "xianning_2016_news.txt": ("咸宁市", "city", "湖北省", 2016,
                               "http://news.xnnews.com.cn/xwjj_1/201601/t20160130_519094.shtml", "press"),
    "xuancheng_2016h1_news.txt": ("宣城市", "city", "安徽省", 2016,
                                  "http://www.newsxc.com/folder33/folder39/folder42/2016-07-20/281032.html", "press"),
}
#: (file, indicator, year, value) of candidates rejected on review
REJECT: set[tuple[str, str, int, float]] = set()


def build() -> "pd.DataFrame":  # noqa: F821 - pandas imported lazily
    """The reviewed annual rows of every document, in DOCUMENTS order."""
    import pandas as pd

    from analysis.targets.past import SERIES_COLUMNS, extract_past_file

    frames = []
    for name, (region, level, parent, year, url, reliability) in DOCUMENTS.items():
        rows = extract_past_file(RAW / name, region=region, level=level, parent=parent, year=year,
                                 source=url, reliability=reliability)
        rows = rows[~rows["indicator"].str.contains(r"_ytd\d+|_growth$", regex=True)]
        keep = [(name, i, int(y), float(v)) not in REJECT for i, y, v in zip(rows["indicator"], rows["year"], rows["value"])]
        rows = rows.loc[pd.Series(keep, index=rows.index, dtype=bool)]
        rows = rows.drop_duplicates(subset=["region", "indicator", "year", "value"])
        rows = rows.assign(note=rows["note"].map(lambda n: f"{n}; read by extract --past from data/raw/city_documents/{name}, reviewed by hand"))
        frames.append(rows[SERIES_COLUMNS])
    return pd.concat(frames, ignore_index=True)


def main() -> int:
    table = build()
    table["derived"] = table["derived"].map(lambda d: "true" if d else "false")
    table["value"] = table["value"].map(lambda v: f"{v:g}")
    table.to_csv(OUT, index=False, lineterminator="\n")
    print(f"{OUT.relative_to(ROOT)}: {len(table)} rows from {len(DOCUMENTS)} documents")
    return 0


if __name__ == "__main__":
    sys.exit(main())
