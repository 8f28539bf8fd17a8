"""Parameter schema: checked before any kernel starts, with close matches for names."""
from __future__ import annotations

import pytest

from analysis.reports.params import ParameterError, check_parameters, validate_parameters


def test_defaults_and_coercion(shanwei_id):
    p = validate_parameters("target_feasibility", {"target_id": shanwei_id, "seed": "3", "as_of": 2021.0})
    assert p == {"target_id": shanwei_id, "lang": "zh", "seed": 3, "as_of": 2021}
    assert p.seed == 3  # attribute access for notebooks


def test_unknown_target_lists_close_matches(shanwei_id):
    with pytest.raises(ParameterError, match="close matches: .*" + shanwei_id):
        check_parameters("target_feasibility", target_id=shanwei_id[:-2])


def test_unknown_key_is_an_error_not_a_warning(shanwei_id):
    with pytest.raises(ParameterError, match="did you mean target_id"):
        validate_parameters("target_feasibility", {"target_id": shanwei_id, "targetid": "x"})


@pytest.mark.parametrize("params, message", [
    ({"lang": "fr"}, "must be one of zh, en"),
    ({"seed": True}, "must be an integer"),
    ({"seed": "x"}, "must be an integer"),
    ({"target_id": ""}, "must not be empty"),
])
def test_bad_values(shanwei_id, params, message):
    with pytest.raises(ParameterError, match=message):
        validate_parameters("target_feasibility", {"target_id": shanwei_id, **params})


def test_region_alias_is_normalised_and_unknown_region_fails():
    assert validate_parameters("city_scorecard", {"region": "汕尾"})["region"] == "汕尾市"
    with pytest.raises(ParameterError, match="close matches: 汕尾市"):
        validate_parameters("city_scorecard", {"region": "汕为市"})


def test_indicator_code_or_chinese_name():
    assert validate_parameters("cross_city_panel", {"indicator": "高新技术企业数量"})["indicator"] == "hte_count"
    with pytest.raises(ParameterError, match="hte_count"):
        validate_parameters("cross_city_panel", {"indicator": "hte_cnt"})
    with pytest.raises(ParameterError, match="level"):
        validate_parameters("cross_city_panel", {"level": "town"})


def test_missing_required_and_unknown_notebook():
    with pytest.raises(ParameterError, match="required"):
        validate_parameters("target_feasibility", {})
    with pytest.raises(ParameterError, match="unknown report notebook"):
        validate_parameters("nope", {})


def test_schema_mirrors_each_notebooks_parameters_cell():
    """The notebooks' `parameters` cells define exactly the schema's names (papermill-parsed)."""
    import papermill as pm

    from analysis.config import notebooks_dir
    from analysis.reports.params import SCHEMAS

    for name, schema in SCHEMAS.items():
        found = pm.inspect_notebook(str(notebooks_dir() / f"{name}.ipynb"))
        assert set(found) == {p.name for p in schema}, name
