"""Report parameters: one typed schema per notebook, checked before any kernel starts.

papermill only *warns* about unknown parameters and types ``-p x 2`` by YAML (nteract/papermill
#55); here an unknown key is an error, values are coerced to the declared type, and names that
must exist in the data (target id, region, indicator) are looked up, with close matches in the
message. The notebooks call :func:`check_parameters` in their first cell too, so a notebook run
by hand fails the same way.
"""
from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

LEVELS = ("province", "city", "district", "county")


class ParameterError(ValueError):
    """A report parameter is unknown, of the wrong type, or names something not in the data."""


@dataclass(frozen=True)
class Param:
    """One notebook parameter: its type, default and allowed values."""

    name: str
    type: type
    default: Any = None
    required: bool = False
    nullable: bool = False
    choices: tuple | None = None
    help: str = ""


def _lang() -> Param:
    return Param("lang", str, "zh", choices=("zh", "en"), help="report language")


def _seed() -> Param:
    return Param("seed", int, 0, help="Monte Carlo seed")


def _as_of() -> Param:
    return Param("as_of", int, None, nullable=True, help="cut every series to years ≤ as_of (default: baseline year)")


#: notebook stem -> its parameters (mirror of each notebook's `parameters` cell)
SCHEMAS: dict[str, tuple[Param, ...]] = {
    "target_feasibility": (
        Param("target_id", str, required=True, help="registry target id (data/targets/targets.csv)"),
        _lang(), _seed(), _as_of(),
    ),
    "city_scorecard": (
        Param("region", str, required=True, help="region with targets in the registry (e.g. 汕尾市)"),
        _lang(), _seed(), _as_of(),
    ),
    "cross_city_panel": (
        Param("indicator", str, "hte_count", help="indicator code (data/indicators.csv)"),
        Param("level", str, "city", nullable=True, choices=LEVELS, help="administrative level"),
        Param("parent", str, None, nullable=True, help="only regions under this parent (e.g. 广东省)"),
        _lang(),
    ),
    "backtest": (
        _lang(), _seed(),
        Param("horizons", list, [1, 2, 3], help="forecast horizons in years"),
        Param("draws", int, 1000, help="Monte Carlo draws per forecast"),
        Param("indicators", str, None, nullable=True,
              help="comma-separated indicator codes to backtest (default: every indicator)"),
        Param("rungs", str, "A,B,C", help="ladder rungs to backtest: A rolling origin, B leave-one-level-out, "
                                         "C leave-one-indicator-out"),
    ),
}


class ReportParams(dict):
    """Validated parameters: a dict with attribute access (``P.target_id``)."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError as err:
            raise AttributeError(name) from err


def _coerce(p: Param, value: Any) -> Any:
    if value is None:
        if p.nullable or (not p.required and p.default is None):
            return None
        raise ParameterError(f"parameter {p.name!r} must not be empty")
    if p.type is int:
        if isinstance(value, bool):
            raise ParameterError(f"parameter {p.name!r} must be an integer, not {value!r}")
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value.strip())
        if isinstance(value, int):
            return value
        raise ParameterError(f"parameter {p.name!r} must be an integer, not {value!r}")
    if p.type is str:
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            text = str(value).strip()
            if not text and p.nullable:
                return None
            if not text:
                raise ParameterError(f"parameter {p.name!r} must not be empty")
            return text
        raise ParameterError(f"parameter {p.name!r} must be a string, not {value!r}")
    if p.type is list:
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, (list, tuple)):
            raise ParameterError(f"parameter {p.name!r} must be a list, not {value!r}")
        try:
            return [int(x) for x in items]
        except (TypeError, ValueError) as err:
            raise ParameterError(f"parameter {p.name!r} must be a list of integers, not {value!r}") from err
    return value


def _hint(name: str, candidates: list[str]) -> str:
    from analysis.data.regions import close_matches

    close = close_matches(name, candidates)
    return f"close matches: {', '.join(close)}" if close else "no close match"


# ---------------------------------------------------------------------- domain checks
_REGISTRY_CACHE: dict[tuple, tuple[list[str], list[str]]] = {}


def registry_names() -> tuple[list[str], list[str]]:
    """Target ids and regions of the registry (re-read only when the file changes)."""
    from analysis.config import data_dir

    path = data_dir() / "targets" / "targets.csv"
    st = path.stat() if path.exists() else None
    key = (str(path), st.st_mtime_ns if st else 0, st.st_size if st else 0)
    if key not in _REGISTRY_CACHE:
        from analysis.data.loaders import load_targets

        reg = load_targets()
        _REGISTRY_CACHE.clear()
        _REGISTRY_CACHE[key] = (reg["target_id"].astype(str).tolist(), sorted(set(reg["region"].astype(str))))
    return _REGISTRY_CACHE[key]


def _check_target_id(value: str) -> str:
    ids = registry_names()[0]
    if value not in ids:
        raise ParameterError(f"unknown target {value!r} (not in data/targets/targets.csv); {_hint(value, ids)}")
    return value


def _check_region(value: str) -> str:
    from analysis.data.regions import normalise_region

    name = normalise_region(value)
    regions = registry_names()[1]
    if name not in regions:
        raise ParameterError(f"no targets for region {value!r} in the registry; {_hint(name, regions)}")
    return name


def _check_indicator(value: str) -> str:
    from analysis.data.catalogue import load_indicators

    codes = list(load_indicators().index)
    if value not in codes:
        names = load_indicators()["name_zh"].tolist()
        if value in names:  # accept the Chinese name
            return codes[names.index(value)]
        raise ParameterError(f"unknown indicator {value!r} (not in data/indicators.csv); {_hint(value, codes + names)}")
    return value


def _check_parent(value: str | None) -> str | None:
    if value is None:
        return None
    from analysis.data.regions import normalise_region, region_table

    name = normalise_region(value)
    known = sorted(set(region_table()["name"]))
    if name not in known:
        raise ParameterError(f"unknown parent region {value!r}; {_hint(name, known)}")
    return name


DOMAIN_CHECKS: dict[str, Callable[[Any], Any]] = {
    "target_id": _check_target_id,
    "region": _check_region,
    "indicator": _check_indicator,
    "parent": _check_parent,
}


def validate_parameters(notebook: str, params: Mapping[str, Any], *, check_domain: bool = True) -> ReportParams:
    """Check ``params`` against the schema of ``notebook`` and return them complete and typed.

    Raises :class:`ParameterError` for an unknown notebook or key, a wrong type, a value outside
    the allowed choices, or (with ``check_domain``) a target/region/indicator not in the data.
    """
    if notebook not in SCHEMAS:
        raise ParameterError(f"unknown report notebook {notebook!r}; known: {', '.join(SCHEMAS)}")
    schema = {p.name: p for p in SCHEMAS[notebook]}
    unknown = [k for k in params if k not in schema]
    if unknown:
        k = unknown[0]
        close = difflib.get_close_matches(k, list(schema), n=3, cutoff=0.5)
        raise ParameterError(
            f"unknown parameter {k!r} for {notebook}; "
            + (f"did you mean {', '.join(close)}? " if close else "")
            + f"parameters: {', '.join(schema)}"
        )
    out = ReportParams()
    for name, p in schema.items():
        if name not in params:
            if p.required:
                raise ParameterError(f"parameter {name!r} is required for {notebook} ({p.help})")
            out[name] = list(p.default) if isinstance(p.default, list) else p.default
            continue
        value = _coerce(p, params[name])
        if value is not None and p.choices is not None and value not in p.choices:
            raise ParameterError(f"parameter {name!r} must be one of {', '.join(map(str, p.choices))}, not {value!r}")
        out[name] = value
    if check_domain:
        for name, check in DOMAIN_CHECKS.items():
            if name in out and (out[name] is not None or name != "parent"):
                out[name] = check(out[name])
    return out


def check_parameters(notebook: str, **params: Any) -> ReportParams:
    """Validate a notebook's parameters (its first cell calls this); see :func:`validate_parameters`."""
    return validate_parameters(notebook, params)


def describe(notebook: str) -> list[dict[str, Any]]:
    """The schema of a notebook as rows (name, type, default, required, choices, help)."""
    return [
        {"name": p.name, "type": p.type.__name__, "default": p.default, "required": p.required,
         "choices": p.choices, "help": p.help}
        for p in SCHEMAS[notebook]
    ]
