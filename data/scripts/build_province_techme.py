"""Build ``data/series/province_techme.csv`` from the techme ``.rda`` tables kept in ``data/raw/techme/``.

Input: the R data files of the public R package huhuaping/techme (MIT), copied byte for byte into
``data/raw/techme/`` (``MANIFEST.csv`` there gives repository, commit, path, git blob and sha256 of
each). They hold official provincial tables: 《全国科技经费投入统计公报》 (R&D经费, 强度),
《中国科技统计年鉴》 (R&D by activity type and funding source, R&D personnel full-time equivalent,
patents, technology market, high-technology industry R&D), 《中国统计年鉴》 (local general budget
expenditure) and the yearly certification lists of 高新技术企业认定管理工作网 (innocom.gov.cn).

Output: one series row per (indicator, region, year) cell, in the series schema. ``value``/``unit``
are the cell as stored (万元 stays 万元; the loader canonicalises to 亿元 and keeps the raw pair);
``quote`` is the cell ("北京 2019 RD经费 2233.6 亿元": region as written, year, column, value,
unit); ``source`` names the publication, the data year and ``github.com/huhuaping/techme@<commit>:
data/<Table>.rda``. 全国 rows are level ``country``. Garbled region names in the source tables
(OCR errors such as 江两 for 江西) are corrected from a fixed list below and say so in ``note``;
regional aggregates (东部地区) are left out. ``fiscal_st_spending_share`` is computed
(科学技术 / 合计 × 100, ``derived=true``). Cells that the bundled NBS bulletin file
(``province_rd_nbs.csv``) also gives carry a note saying whether the two agree; the loader's pick
rule then prefers the bulletin row (file order), deterministically.

Run: ``python data/scripts/build_province_techme.py [--out PATH]`` (offline; needs ``rdata``).
Example: ``python data/scripts/build_province_techme.py --out /tmp/x.csv && cmp /tmp/x.csv
data/series/province_techme.csv``.
"""
from __future__ import annotations

import argparse
import csv
import io
import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RAW_DIR = ROOT / "data" / "raw" / "techme"
OUT_PATH = ROOT / "data" / "series" / "province_techme.csv"
REGIONS_PATH = ROOT / "data" / "regions.csv"
NBS_PATH = ROOT / "data" / "series" / "province_rd_nbs.csv"

COLUMNS = ["region", "level", "parent", "indicator", "year", "value", "unit", "qualifier",
           "source", "quote", "reliability", "derived", "note"]
REPO = "github.com/huhuaping/techme"
COMMIT = "9ad60a190dec4a56953da9c478d42cd44c80762a"  # snapshot the files were copied from (MANIFEST.csv)

BULLETIN = "国家统计局 科学技术部 财政部《全国科技经费投入统计公报》"
TECH_YEARBOOK = "国家统计局 科学技术部《中国科技统计年鉴》"
STAT_YEARBOOK = "国家统计局《中国统计年鉴》"
INNOCOM = "高新技术企业认定管理工作网 (www.innocom.gov.cn) 年度认定企业名单"


@dataclass(frozen=True)
class Spec:
    """One bundled indicator: which table, which variable, which publication table."""

    indicator: str
    table: str            # .rda file stem in data/raw/techme/ (the R object has the same name)
    variable: str | None  # techme variable code; None for HitechFirmsPub (no variable column)
    unit: str             # unit every selected cell must carry
    publication: str
    table_title: str      # what the publication's table is about
    years: tuple[int, int] | None = None  # keep only these years (inclusive), e.g. to fill a gap


SPECS: tuple[Spec, ...] = (
    Spec("rd_intensity", "RDIntense", "v4_ztr_qd_RD", "%", BULLETIN, "分地区R&D经费投入强度"),
    Spec("rd_expenditure", "RDIntense", "v4_ztr_jf_RD", "亿元", BULLETIN, "分地区R&D经费"),
    Spec("rd_expenditure", "RDActivity", "v4_zh_nbzc_hj", "万元", TECH_YEARBOOK,
         "分地区R&D经费内部支出 合计 (2010 only: the bulletin table RDIntense starts in 2011)", (2010, 2010)),
    Spec("basic_research_expenditure", "RDActivity", "v4_zh_nbzc_jcyj", "万元", TECH_YEARBOOK,
         "分地区R&D经费内部支出 按活动类型 基础研究"),
    Spec("rd_expenditure_government", "RDSource", "v4_zh_nbzc_zfzj", "万元", TECH_YEARBOOK,
         "分地区R&D经费内部支出 按资金来源 政府资金"),
    Spec("rd_expenditure_enterprise", "RDSource", "v4_zh_nbzc_qyzj", "万元", TECH_YEARBOOK,
         "分地区R&D经费内部支出 按资金来源 企业资金"),
    Spec("rd_personnel_fte", "RDLaborHour", "v4_zh_qsdl_hj", "人年", TECH_YEARBOOK,
         "分地区R&D人员全时当量 合计"),
    Spec("fiscal_st_spending", "PublicBudget", "v6_cz_yszc_kxjs", "亿元", STAT_YEARBOOK,
         "分地区一般公共预算支出 科学技术 (全国 row: sum of local budgets)"),
    Spec("patent_applications", "RDPatentAccept", "v4_cg_zlsq_hj", "件", TECH_YEARBOOK,
         "分地区国内专利申请受理量 合计"),
    Spec("invention_patent_applications", "RDPatentAccept", "v4_cg_zlsq_fm", "件", TECH_YEARBOOK,
         "分地区国内专利申请受理量 发明"),
    Spec("patent_grants", "RDPatentAuthority", "v4_cg_zlsq2_hj", "件", TECH_YEARBOOK,
         "分地区国内专利申请授权量 合计"),
    Spec("invention_patent_grants", "RDPatentAuthority", "v4_cg_zlsq2_fm", "件", TECH_YEARBOOK,
         "分地区国内专利申请授权量 发明"),
    Spec("valid_invention_patents", "RDPatentValid", "v4_cg_zlsyx_fm", "件", TECH_YEARBOOK,
         "分地区国内有效专利数 发明"),
    Spec("tech_contract_value", "MarketPush", "v4_cg_jssc_je", "万元", TECH_YEARBOOK,
         "技术市场成交合同 按技术输出地域 成交金额"),
    Spec("tech_contract_count", "MarketPush", "v4_cg_jssc_ht", "项", TECH_YEARBOOK,
         "技术市场成交合同 按技术输出地域 合同数"),
    Spec("tech_contract_value_absorbed", "MarketPull", "v4_cg_jssr_je", "万元", TECH_YEARBOOK,
         "技术市场成交合同 按技术流向地域 成交金额"),
    Spec("hightech_industry_rd_expenditure", "IndustryRD", "v4_cy_RDhd_nbzc", "万元", TECH_YEARBOOK,
         "分地区高技术产业R&D经费内部支出"),
    Spec("hte_certified", "HitechFirmsPub", None, "家", INNOCOM,
         "认定的高新技术企业数 (新认定与重新认定; a flow)"),
)

# (table, name as written after removing spaces) -> region. Each is an OCR garble of a province
# whose own row is missing from that table year (the build checks it: one row per region and year).
CORRECTIONS: dict[tuple[str, str], str] = {
    ("RDLaborHour", "内蒙占"): "内蒙古",
    ("RDPatentAccept", "江两"): "江西",
    ("RDPatentAuthority", "两藏"): "西藏",
    ("RDPatentAuthority", "山两"): "山西",
    ("RDPatentValid", "四藏"): "西藏",
    ("RDPatentValid", "江四"): "江西",
    ("RDPatentValid", "浙汀"): "浙江",
}
#: rows that are not a province or the nation (a garbled 东部地区 aggregate)
AGGREGATES = {"尔部地区", "东部地区", "中部地区", "西部地区", "东北地区"}


class BuildError(RuntimeError):
    """A source table does not look as this script expects (names the table, row and column)."""


def load_regions(path: Path = REGIONS_PATH) -> tuple[dict[str, str], list[str]]:
    """Name or short form -> full name, and the full names in file order (province level and 全国)."""
    alias: dict[str, str] = {}
    order: list[str] = []
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["level"] not in ("country", "province"):
                continue
            order.append(row["name"])
            alias[row["name"]] = row["name"]
            for a in filter(None, (x.strip() for x in row["aliases"].split(";"))):
                alias.setdefault(a, row["name"])
    return alias, order


def read_table(table: str, raw_dir: Path = RAW_DIR):
    """The data frame stored in ``<raw_dir>/<table>.rda`` (read with the ``rdata`` package)."""
    import rdata  # imported here so that --help works without it

    path = raw_dir / f"{table}.rda"
    if not path.exists():
        raise BuildError(f"{path}: raw file missing (see data/raw/techme/README.md)")
    frames = rdata.read_rda(str(path))
    if table not in frames:
        raise BuildError(f"{path}: no R object named {table!r} (found {sorted(frames)})")
    return frames[table]


def fmt_number(value: float) -> str:
    """Shortest plain text of a stored number: ``fmt_number(10226.0) == '10226'``, ``'202.0323'``."""
    if float(value).is_integer():
        return str(int(value))
    text = format(value, ".15g")
    if "e" in text:
        raise BuildError(f"value {value!r} would print in exponent form")
    return text


def table_cells(spec: Spec, frame, alias: dict[str, str]) -> list[dict]:
    """The selected cells of one table as dicts (region, year, value, quote parts, note)."""
    if spec.variable is None:  # HitechFirmsPub: index, year, province, num
        sel = frame.assign(variables="", chn_block4="num", units="")
        value_col = "num"
    else:
        sel = frame[frame["variables"] == spec.variable]
        value_col = "value"
    cells, seen = [], {}
    for idx, row in sel.iterrows():
        where = f"{spec.table}.rda row {idx}"
        raw_name = str(row["province"])
        name = re.sub(r"\s+", "", raw_name)
        if name in AGGREGATES:
            continue
        note = ""
        if (spec.table, name) in CORRECTIONS:
            fixed = CORRECTIONS[(spec.table, name)]
            note = f"region written {name!r} in the source table (OCR error), read as {fixed}"
            name = fixed
        if name not in alias:
            raise BuildError(f"{where}: column province: unknown region {raw_name!r}")
        year = int(float(row["year"]))
        if spec.years and not spec.years[0] <= year <= spec.years[1]:
            continue
        value = row[value_col]
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue  # missing in the source: missing here
        unit = spec.unit if spec.variable is None else str(row["units"])
        if unit != spec.unit:
            raise BuildError(f"{where}: column units: {unit!r}, expected {spec.unit!r} for {spec.variable}")
        region = alias[name]
        key = (region, year)
        if key in seen:
            raise BuildError(f"{where}: second row for {region} {year} ({spec.variable}); first at {seen[key]}")
        seen[key] = where
        label = str(row["chn_block4"])
        quote = f"{raw_name} {year} {label} {fmt_number(float(value))}" + (f" {unit}" if unit else "")
        cells.append({"region": region, "year": year, "value": float(value), "unit": spec.unit,
                      "quote": quote, "note": note})
    return cells


def source_text(spec: Spec, year: int) -> str:
    """``source`` cell: publication, data year, table, repository path and commit."""
    return (f"{spec.publication} {spec.table_title}, data year {year}; "
            f"{REPO}@{COMMIT}:data/{spec.table}.rda (MIT)")


def nbs_first_published(path: Path = NBS_PATH) -> dict[tuple[str, str, int], tuple[float, bool]]:
    """First row's value per (region, indicator, year) of ``province_rd_nbs.csv``, and whether it is
    a ``revised:`` figure (a key only a later bulletin gives, e.g. 全国 2017)."""
    out: dict[tuple[str, str, int], tuple[float, bool]] = {}
    if not path.exists():
        return out
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            key = (row["region"], row["indicator"], int(row["year"]))
            out.setdefault(key, (float(row["value"]), row["note"].startswith("revised:")))
    return out


def overlap_note(region: str, indicator: str, year: int, value: float, unit: str,
                 nbs: dict[tuple[str, str, int], tuple[float, bool]]) -> str:
    """Say whether the bundled bulletin file gives the same cell and whether it agrees."""
    if (region, indicator, year) not in nbs:
        return ""
    other, revised = nbs[(region, indicator, year)]
    canon = value * 1e-4 if unit == "万元" else value
    tol = 0.005 if unit == "%" else 0.05
    if abs(canon - other) <= tol + 1e-9:
        return "same cell in province_rd_nbs.csv agrees; the loader picks that row (file order)"
    kind = "a revised figure from a later bulletin" if revised else "the first-published figure"
    return (f"differs from province_rd_nbs.csv {other:g}, {kind} (diff {canon - other:+.4g}); "
            "the loader picks the province_rd_nbs.csv row (file order)")


def share_rows(alias: dict[str, str], raw_dir: Path) -> list[dict]:
    """``fiscal_st_spending_share`` = 科学技术 / 合计 × 100 from PublicBudget (derived rows)."""
    frame = read_table("PublicBudget", raw_dir)
    num = Spec("fiscal_st_spending_share", "PublicBudget", "v6_cz_yszc_kxjs", "亿元", STAT_YEARBOOK, "")
    den = Spec("fiscal_st_spending_share", "PublicBudget", "v6_cz_yszc_hj", "亿元", STAT_YEARBOOK, "")
    total = {(c["region"], c["year"]): c for c in table_cells(den, frame, alias)}
    rows = []
    for c in table_cells(num, frame, alias):
        t = total.get((c["region"], c["year"]))
        if t is None or t["value"] <= 0:
            continue
        share = round(100 * c["value"] / t["value"], 2)
        rows.append({
            "region": c["region"], "indicator": "fiscal_st_spending_share", "year": c["year"],
            "value": fmt_number(share), "unit": "%",
            "source": (f"{STAT_YEARBOOK} 分地区一般公共预算支出 科学技术 / 合计, data year {c['year']}; "
                       f"{REPO}@{COMMIT}:data/PublicBudget.rda (MIT)"),
            "quote": f"{c['quote']}; {t['quote']}",
            "derived": "true",
            "note": "; ".join(filter(None, ["computed: 科学技术 / 合计 × 100, rounded to 0.01", c["note"]])),
        })
    return rows


#: units of one series that a jump is compared across (to 亿元 and 人年)
JUMP_SCALE = {"万元": 1e-4, "亿元": 1.0, "人年": 1.0, "万人年": 1e4}
#: an annual factor beyond this is flagged in the later row's note (the validator's plausibility bound)
JUMP_FACTOR = 20.0


def jump_notes(rows: list[dict]) -> None:
    """Say in ``note`` where a series jumps more than ×20 between consecutive years, as published.

    Such a jump is usually a unit slip, so the validator refuses it unless the row explains it; the
    values here are the source table's cells, kept as given (not corrected, not checked against a
    second source), and the note says exactly that. Rows must be sorted by region, indicator, year.
    """
    prev: dict[tuple[str, str], dict] = {}
    for r in sorted(rows, key=lambda r: (r["region"], r["indicator"], r["year"])):
        key = (r["region"], r["indicator"])
        last = prev.get(key)
        prev[key] = r
        if last is None or r["unit"] == "%" or r["year"] != last["year"] + 1:
            continue
        if last["unit"] != r["unit"] and not (last["unit"] in JUMP_SCALE and r["unit"] in JUMP_SCALE):
            continue
        a = float(last["value"]) * JUMP_SCALE.get(last["unit"], 1.0)
        b = float(r["value"]) * JUMP_SCALE.get(r["unit"], 1.0)
        if a > 0 and b > 0 and max(a / b, b / a) > JUMP_FACTOR:
            r["note"] = "; ".join(filter(None, [
                r["note"], f"as published: ×{b / a:.3g} from {last['year']} ({last['value']} {last['unit']}); "
                           "kept as the source table gives it, not checked against a second source"]))


def build_rows(raw_dir: Path = RAW_DIR, regions_path: Path = REGIONS_PATH,
               nbs_path: Path = NBS_PATH) -> list[dict]:
    """Every output row, sorted by indicator (spec order), region (regions.csv order), year."""
    alias, order = load_regions(regions_path)
    nbs = nbs_first_published(nbs_path)
    rows: list[dict] = []
    frames: dict[str, object] = {}
    for spec in SPECS:
        frame = frames.setdefault(spec.table, read_table(spec.table, raw_dir))
        for c in table_cells(spec, frame, alias):
            rows.append({
                "region": c["region"], "indicator": spec.indicator, "year": c["year"],
                "value": fmt_number(c["value"]), "unit": c["unit"], "source": source_text(spec, c["year"]),
                "quote": c["quote"], "derived": "false",
                "note": "; ".join(filter(None, [c["note"], overlap_note(c["region"], spec.indicator, c["year"],
                                                                        c["value"], c["unit"], nbs)])),
            })
    rows += share_rows(alias, raw_dir)
    ind_order = {s.indicator: i for i, s in enumerate(SPECS)}
    ind_order["fiscal_st_spending_share"] = len(SPECS)
    reg_order = {r: i for i, r in enumerate(order)}
    rows.sort(key=lambda r: (ind_order[r["indicator"]], reg_order[r["region"]], r["year"]))
    keys = [(r["region"], r["indicator"], r["year"]) for r in rows]
    if len(keys) != len(set(keys)):
        raise BuildError("two rows for the same (region, indicator, year): check SPECS year ranges")
    jump_notes(rows)
    for r in rows:
        national = r["region"] == "全国"
        r.update(level="country" if national else "province", parent="" if national else "全国",
                 qualifier="exact", reliability="official")
    return rows


def render_csv(rows: list[dict]) -> str:
    """The CSV text (UTF-8, ``\\n`` line ends, minimal quoting): byte-identical across runs."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({c: r[c] for c in COLUMNS})
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT_PATH, help="output CSV (default: %(default)s)")
    parser.add_argument("--raw-dir", type=Path, default=RAW_DIR, help="folder of the .rda files")
    args = parser.parse_args(argv)
    try:
        rows = build_rows(args.raw_dir)
    except ImportError:
        print("error: the 'rdata' package is needed (pip install rdata; it is in the dev extra)", file=sys.stderr)
        return 2
    except BuildError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    args.out.write_bytes(render_csv(rows).encode("utf-8"))
    inds = sorted({r["indicator"] for r in rows})
    print(f"wrote {len(rows)} rows, {len(inds)} indicators -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
