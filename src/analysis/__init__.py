"""analysis — is this science-and-technology target realistic?

Small functions on pandas objects for JupyterLab::

    import analysis
    panel = analysis.load_panel(indicator="高企")    # tidy: region, indicator, year, value, source, quote …
    targets = analysis.load_targets()             # the hand-checked registry of plan targets
    a = analysis.assess_target("shanwei2022-t01-hte_count")   # one Assessment (renders as HTML)
    table = analysis.assess(targets)              # DataFrame with the contract columns

The public functions take what the CLI takes (汕尾 or 汕尾市, 高新技术企业数量 or ``hte_count``)
and check it the same way (:mod:`analysis.resolve`). Heavy libraries (statsmodels, matplotlib)
are imported only when a function needs them, so ``import analysis`` stays fast.

No public name is shadowed by a submodule of the same name: ``analysis.assess`` is always the
function, even after ``analysis.assess_target`` has imported the engine module
``analysis.assess`` (reach that module with ``from analysis.assess import Engine``).
"""
from __future__ import annotations

import importlib
import sys
import types
from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "load_panel": "analysis.api",
    "load_targets": "analysis.api",
    "assess": "analysis.api",
    "assess_target": "analysis.api",
    "assess_one": "analysis.api",
    "coverage_grid": "analysis.api",
    "load_series": "analysis.data.loaders",
    "load_indicators": "analysis.data.catalogue",
    "validate_all": "analysis.data.validate",
    "normalise_region": "analysis.data.regions",
    "resolve_region": "analysis.resolve",
    "resolve_indicator": "analysis.resolve",
    "resolve_target": "analysis.resolve",
    "ResolveError": "analysis.resolve",
    "Assessment": "analysis.assessment",
    "run_backtest": "analysis.backtest",
    "extract_file": "analysis.targets.extract",
    "setup_plotting": "analysis.reports.fonts",
}

__all__ = sorted(_LAZY) + ["__version__"]


class _Package(types.ModuleType):
    """The package module: importing a submodule never replaces a public function of the same name.

    Python's import system binds a loaded submodule as an attribute of its package
    (``analysis.assess`` = the module ``analysis/assess.py``), which would hide the public
    function ``analysis.assess`` once anything imported the engine.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _LAZY and isinstance(value, types.ModuleType):
            return  # the submodule stays reachable through sys.modules / `from analysis.assess import …`
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'analysis' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
