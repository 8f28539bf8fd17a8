"""The Python API behaves like the CLI: same names accepted, same defaults, same refusals; no shadowing."""
from __future__ import annotations

import doctest
import importlib
import json
import pkgutil
import re
import subprocess
import sys
import types
from pathlib import Path

import pandas as pd
import pytest

import analysis
from analysis.resolve import ResolveError

ROOT = Path(__file__).resolve().parents[1]


def test_assess_stays_the_function_after_the_engine_module_is_imported():
    a = analysis.assess_target("shanwei2022-t01-hte_count")
    assert a.baseline_value == 49 and a.target_value == 100
    importlib.import_module("analysis.assess")  # plain Python would bind the submodule over the function

    table = analysis.assess(analysis.load_targets().head(2))
    assert isinstance(table, pd.DataFrame) and len(table) == 2


def test_no_public_name_is_shadowed_by_a_module():
    for info in pkgutil.walk_packages(analysis.__path__, "analysis."):
        if info.name != "analysis.__main__":
            importlib.import_module(info.name)
    for name in analysis.__all__:
        value = getattr(analysis, name)
        assert not isinstance(value, types.ModuleType), f"analysis.{name} is a module"
    assert callable(analysis.assess) and callable(analysis.run_backtest)


def test_api_defaults_level_and_parent_like_the_cli():
    """广东 R&D intensity: the API used to assess it with an empty level (another reference class)."""
    target = {"region": "广东", "indicator": "研发投入强度", "baseline_year": 2022, "baseline_value": 3.42,
              "target_year": 2025, "target_value": 3.6}
    a = analysis.assess_one(target)
    assert (a.region, a.level, a.parent, a.indicator) == ("广东省", "province", "全国", "rd_intensity")
    cli = subprocess.run([sys.executable, "-m", "analysis", "assess", "--region", "广东", "--indicator", "rd_intensity",
                          "--baseline-year", "2022", "--baseline", "3.42", "--target-year", "2025", "--target", "3.6",
                          "--format", "json"], capture_output=True, text=True)
    assert cli.returncode == 0, cli.stderr
    rec = json.loads(cli.stdout)
    assert rec["p_meet"] == pytest.approx(a.p_meet, abs=1e-12) and rec["verdict"] == a.verdict
    assert rec["level"] == "province" and rec["reference_class"] == a.reference_class


def test_assess_one_refuses_what_the_cli_refuses():
    base = {"region": "汕尾", "indicator": "hte_count", "baseline_year": 2021, "target_year": 2022, "target_value": 100}
    for change, param in (({"region": "火星市"}, "region"), ({"region": "../../etc"}, "region"),
                          ({"indicator": "hte_cnt"}, "indicator"), ({"target_value": 0}, "target_value"),
                          ({"baseline_value": float("inf")}, "baseline_value")):
        with pytest.raises(ResolveError) as err:
            analysis.assess_one({**base, **change})
        assert err.value.param == param
    with pytest.raises(ResolveError, match="seed"):
        analysis.assess_one({**base}, seed=-1)


def test_unknown_region_is_assessed_when_level_and_parent_are_stated():
    a = analysis.assess_one({"region": "新城市", "level": "city", "parent": "广东", "indicator": "hte_count",
                             "baseline_year": 2021, "baseline_value": 30, "target_year": 2023, "target_value": 60})
    withheld = any(n.code == "probability_withheld" for n in a.note_codes)  # rung B not calibrated: range only
    assert (a.level, a.parent) == ("city", "广东省") and (a.p_meet is not None or (withheld and a.p_meet_raw is not None))


def test_assess_table_marks_only_the_bad_row():
    good = analysis.load_targets().head(2)
    bad = good.iloc[[0]].assign(target_id="bad", region="../x")
    table = analysis.assess(pd.concat([good.iloc[[0]], bad, good.iloc[[1]]], ignore_index=True))
    assert table["target_id"].tolist() == [good.iloc[0]["target_id"], "bad", good.iloc[1]["target_id"]]
    assert table.loc[1, "verdict"] == "error" and "path characters" in table.loc[1, "notes"][0]
    assert (table.loc[[0, 2], "verdict"] != "error").all()
    assert str(table["baseline_year"].dtype) == "Int64"


def test_load_panel_resolves_names_and_refuses_unknown_indicators():
    by_code = analysis.load_panel(indicator="hte_count")
    by_name = analysis.load_panel(indicator="高新技术企业数量")
    assert len(by_code) > 0 and by_code.equals(by_name)
    sw = analysis.load_panel(indicator="高企", region="汕尾")
    assert set(sw["region"]) == {"汕尾市"} and sw.loc[sw["year"] == 2021, "value"].item() in (49, 51)  # two sources, pick rule
    with pytest.raises(ResolveError) as err:
        analysis.load_panel(indicator="hte_cnt")
    assert "hte_count" in str(err.value)
    with pytest.raises(ResolveError, match="level"):
        analysis.load_panel(level="town")


def test_as_of_beyond_the_data_warns(caplog):
    with caplog.at_level("WARNING", logger="analysis"):
        analysis.assess_target("shanwei2022-t01-hte_count", as_of=2099)
    assert "beyond the data's last year" in caplog.text
    with pytest.raises(ResolveError, match="first year"):
        analysis.assess_target("shanwei2022-t01-hte_count", as_of=1990)


@pytest.mark.parametrize("module", ["analysis.api", "analysis.resolve", "analysis.commands.args",
                                    "analysis.commands.indicators", "analysis.notes", "analysis.assessment",
                                    "analysis.cli"])
def test_docstring_examples_run(module):
    mod = importlib.import_module(module)
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0, result


def test_public_functions_have_examples():
    for name in ("assess", "assess_one", "assess_target", "load_panel", "load_targets", "coverage_grid",
                 "resolve_region", "resolve_indicator", "resolve_target"):
        assert "Example" in (getattr(analysis, name).__doc__ or ""), name


def readme_block(heading: str) -> str:
    """The first ```python block under a README heading."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split(f"## {heading}", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_readme_jupyterlab_section_runs_as_written():
    code = readme_block("In JupyterLab")
    assert "analysis.assess(targets)" in code
    namespace: dict = {}
    exec(compile(code, "README.md (In JupyterLab)", "exec"), namespace)  # noqa: S102 - the README's own code
    assert len(namespace["table"]) == len(namespace["targets"])
    assert namespace["a"].verdict in {"on_track", "stretch", "unlikely", "implausible", "insufficient_data", "withheld"}
    assert namespace["b"].region == "汕尾市" and set(namespace["sw"]["indicator"]) == {"hte_count"}


def test_citation_cff_follows_cff_1_2_0():
    """The required keys and value forms of the CFF 1.2.0 schema (citation-file-format/schema.json)."""
    import yaml

    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    allowed = {"abstract", "authors", "cff-version", "commit", "contact", "date-released", "doi", "identifiers",
               "keywords", "license", "license-url", "message", "preferred-citation", "references", "repository",
               "repository-artifact", "repository-code", "title", "type", "url", "version"}
    assert set(cff) <= allowed, set(cff) - allowed
    assert {"authors", "cff-version", "message", "title"} <= set(cff)
    assert cff["cff-version"] == "1.2.0" and cff["type"] in ("software", "dataset")
    person = {"family-names", "given-names", "name-particle", "name-suffix", "affiliation", "email", "orcid",
              "website", "alias"}
    for author in cff["authors"]:
        assert author.get("name") or author.get("family-names") or author.get("given-names"), author
        assert set(author) <= person | {"name"}
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")  # tomllib is 3.11+, the project 3.10+
    assert str(cff["version"]) == re.search(r'^version = "(.+)"', pyproject, re.M).group(1) == analysis.__version__
    assert cff["license"] == re.search(r'^license = \{ text = "(.+)" \}', pyproject, re.M).group(1) == "MIT"
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")


def test_internal_brief_is_gone_and_unlinked():
    assert not (ROOT / "docs" / "HELPERS_COMMON.md").exists()
    for path in [ROOT / "README.md", *ROOT.glob("docs/*.md"), *ROOT.glob("data/**/*.py"), *ROOT.glob("src/**/*.py")]:
        assert "HELPERS_COMMON" not in path.read_text(encoding="utf-8"), path
