"""Build ``data/series/province_rd_nbs.csv`` from the saved NBS R&D bulletin texts.

Input: ``data/raw/nbs-rd-bulletin/<year>.txt`` — the text of the 国家统计局《全国科技经费投入统计
公报》 pages (HTML tags removed, one table row per line with tab-separated cells; see the README in
that folder for the source repository, path, commit and official URL of every file).

Output rows (series columns, see the data model in README.md and data/README.md):

* ``rd_expenditure`` (亿元) and ``rd_intensity`` (%) for 全国 and the 31 provinces, one pair per
  region and bulletin year, taken from the bulletin's provincial table (附表2 / 表1 / 附表).
  全国 rows quote the bulletin's opening sentence (全国共投入…经费X亿元 / 投入强度…为Y%), which the
  script checks against the table's 全国 row.
* revised figures published in a later bulletin (footnote "…经费投入强度已修订为Z%" for 全国, and the
  2024 table's column "修订后2023年R&D经费投入强度" for every region) are extra rows for the same
  (region, indicator, year), written after the first-published rows and marked ``revised:`` in
  ``note``. Pick rule downstream: file order, so the first-published figure wins (it is the figure
  plans and press cite at the time); the revised one stays available.

Run: ``python data/scripts/build_province_rd_nbs.py`` (offline; stdlib only).
"""
from __future__ import annotations

import csv
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RAW_DIR = ROOT / "data" / "raw" / "nbs-rd-bulletin"
OUT_PATH = ROOT / "data" / "series" / "province_rd_nbs.csv"
REGIONS_PATH = ROOT / "data" / "regions.csv"

COLUMNS = ["region", "level", "parent", "indicator", "year", "value", "unit", "qualifier",
           "source", "quote", "reliability", "derived", "note"]

TECHME = "github.com/huhuaping/techme"
HTML_DIR = "data-raw/public-site/nbs-RD-bulletin/01-html"


@dataclass(frozen=True)
class Source:
    """Where one bulletin text comes from."""

    url: str | None  # official stats.gov.cn address when the stored page gives it
    commit: str      # commit of the stored copy in huhuaping/techme

    def repo_ref(self, year: int) -> str:
        """``github.com/huhuaping/techme@<commit>:<path>`` of the stored HTML page."""
        return f"{TECHME}@{self.commit}:{HTML_DIR}/{year}.html"


# Official URLs are those the stored pages themselves carry (share link); 2018–2020 are copies of
# the old stats.gov.cn site whose stored text does not give the page address.
SOURCES: dict[int, Source] = {
    2018: Source(None, "a2e8916f5d36e256e1df71b2617478057ea6c7ae"),
    2019: Source(None, "e087850064ee7ed46c836751582838a7a460189b"),
    2020: Source(None, "a2e8916f5d36e256e1df71b2617478057ea6c7ae"),
    2021: Source("http://www.stats.gov.cn/sj/zxfb/202302/t20230203_1901565.html",
                 "a2e8916f5d36e256e1df71b2617478057ea6c7ae"),
    2022: Source("http://www.stats.gov.cn/sj/zxfb/202309/t20230918_1942920.html",
                 "c93b56dfb7569f9be39b89f94a519f99f59c1bf5"),
    2023: Source("https://www.stats.gov.cn/sj/zxfb/202410/t20241002_1956810.html",
                 "a2e8916f5d36e256e1df71b2617478057ea6c7ae"),
    2024: Source("https://www.stats.gov.cn/sj/zxfb/202509/t20250929_1961429.html",
                 "546700c5135c6f1ac22b105960e77c132c1e3c3d"),
}

NUMBER = r"\d+(?:\.\d+)?"
RE_NAT_EXP = re.compile(rf"全国共投入研究与试验发展（R&D）经费({NUMBER})亿元")
RE_NAT_INT = re.compile(rf"研究与试验发展（R&D）经费投入强度（与国内生产总值\[2\]之比）为({NUMBER})%")
RE_REVISED = re.compile(rf"根据[^。\n]*?(\d{{4}})年研究与试验发展（R&D）经费投入强度(?:已修订)?为({NUMBER})%")


def squash(text: str) -> str:
    """Remove all whitespace (ASCII and full-width), as the quote check does."""
    return re.sub(r"\s+", "", text)


def load_aliases(path: Path = REGIONS_PATH) -> dict[str, str]:
    """Short name → full official name, from ``data/regions.csv`` (``全国`` maps to itself)."""
    out: dict[str, str] = {}
    with open(path, encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            out[row["name"]] = row["name"]
            for alias in filter(None, (a.strip() for a in row["aliases"].split(";"))):
                out.setdefault(alias, row["name"])
    return out


def table_rows(text: str, aliases: dict[str, str]) -> list[list[str]]:
    """Tab-separated lines whose first cell is a region name: ``[name_as_written, num, num, ...]``."""
    rows = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.split("\t")]
        if len(cells) >= 3 and squash(cells[0]) in aliases and re.fullmatch(NUMBER, cells[1]):
            rows.append(cells)
    return rows


def base_row(region: str, indicator: str, year: int, value: str, quote: str, source: str,
             note: str) -> dict[str, str]:
    """One output row with the fixed columns filled in."""
    national = region == "全国"
    return {
        "region": region,
        "level": "country" if national else "province",
        "parent": "" if national else "全国",
        "indicator": indicator,
        "year": str(year),
        "value": value,
        "unit": "%" if indicator == "rd_intensity" else "亿元",
        "qualifier": "exact",
        "source": source,
        "quote": quote,
        "reliability": "official",
        "derived": "false",
        "note": note,
    }


def parse_year(year: int, text: str, aliases: dict[str, str]) -> tuple[list[dict], list[dict]]:
    """Rows from one bulletin: (first-published rows for ``year``, revised rows for earlier years)."""
    src = SOURCES[year]
    source = src.url or src.repo_ref(year)
    where = f"{year}年全国科技经费投入统计公报 (国家统计局 科学技术部 财政部); text: data/raw/nbs-rd-bulletin/{year}.txt from {src.repo_ref(year)}"
    primary: list[dict] = []
    revised: list[dict] = []
    rows = table_rows(text, aliases)
    regions = [aliases[squash(r[0])] for r in rows]
    if len(rows) != 32 or len(set(regions)) != 32 or "全国" not in regions:
        raise ValueError(f"{year}: expected 32 distinct table rows (全国 + 31), got {len(rows)}")

    nat_exp, nat_int = RE_NAT_EXP.search(text), RE_NAT_INT.search(text)
    if not (nat_exp and nat_int):
        raise ValueError(f"{year}: national sentence not found")
    revised_cover: set[int] = set()
    for cells, region in zip(rows, regions):
        quote = " ".join(cells)
        exp_val, int_val = cells[1], cells[2]
        if region == "全国":
            if float(nat_exp.group(1)) != float(exp_val) or float(nat_int.group(1)) != float(int_val):
                raise ValueError(f"{year}: national sentence and table row disagree")
            primary.append(base_row(region, "rd_expenditure", year, nat_exp.group(1), nat_exp.group(0),
                                    source, f"national total; table row: {quote}; {where}"))
            primary.append(base_row(region, "rd_intensity", year, nat_int.group(1), nat_int.group(0),
                                    source, f"national total; GDP preliminary at publication; {where}"))
        else:
            note = f"provincial table; GDP preliminary at publication; {where}"
            primary.append(base_row(region, "rd_expenditure", year, exp_val, quote, source, note))
            primary.append(base_row(region, "rd_intensity", year, int_val, quote, source, note))
        if len(cells) >= 4 and re.fullmatch(NUMBER, cells[3]):  # 2024: 修订后2023年 column
            revised_cover.add(year - 1)
            revised.append(base_row(
                region, "rd_intensity", year - 1, cells[3], quote, source,
                f"revised: 修订后{year - 1}年R&D经费投入强度 (after the 5th economic census GDP revision), "
                f"4th column of the provincial table in the {year} bulletin; {where}"))
    for m in RE_REVISED.finditer(text):
        ref_year = int(m.group(1))
        if ref_year in revised_cover:
            continue  # already given by the table column (same figure)
        revised.append(base_row(
            "全国", "rd_intensity", ref_year, m.group(2), m.group(0), source,
            f"revised: national total after final GDP verification, footnote of the {year} bulletin; {where}"))
    check_quotes(primary + revised, text)
    return primary, revised


def check_quotes(rows: list[dict], text: str) -> None:
    """Every quote is in the bulletin text it came from (whitespace removed) and contains its value."""
    for row in rows:
        if squash(row["quote"]) not in squash(text):
            raise ValueError(f"quote not found in text: {row['quote']!r}")
        if row["value"] not in row["quote"]:
            raise ValueError(f"value {row['value']} not in quote {row['quote']!r}")


def build(raw_dir: Path = RAW_DIR) -> list[dict]:
    """All rows, first-published ones (by year, table order) then revised ones."""
    aliases = load_aliases()
    texts = {y: (raw_dir / f"{y}.txt").read_text(encoding="utf-8") for y in sorted(SOURCES)}
    primary, revised = [], []
    for year, text in texts.items():
        p, r = parse_year(year, text, aliases)
        primary += p
        revised += r
    return primary + sorted(revised, key=lambda r: (int(r["year"]), r["region"] != "全国"))


def write(rows: list[dict], path: Path = OUT_PATH) -> None:
    """Write the series CSV (UTF-8, header row, series column order)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def main() -> int:
    rows = build()
    write(rows)
    n_rev = sum(r["note"].startswith("revised:") for r in rows)
    years = sorted({int(r["year"]) for r in rows if not r["note"].startswith("revised:")})
    print(f"wrote {OUT_PATH.relative_to(ROOT)}: {len(rows)} rows "
          f"({len(rows) - n_rev} first-published for {years[0]}–{years[-1]}, {n_rev} revised)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
