"""analysis — is this science-and-technology target realistic?

Small functions on pandas objects for JupyterLab::

    import analysis
    panel = analysis.load_panel()                 # tidy: region, indicator, year, value, source, quote …
    targets = analysis.load_targets()             # the hand-checked registry of plan targets
    a = analysis.assess_target("shanwei2022-hte_count")   # one Assessment (renders as HTML)
    table = analysis.assess(targets)              # DataFrame with the contract columns

Heavy libraries (statsmodels, matplotlib) are imported only when a function needs them, so
``import analysis`` stays fast.
"""
from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "load_panel": "analysis.data.loaders",
    "load_series": "analysis.data.loaders",
    "load_targets": "analysis.data.loaders",
    "load_indicators": "analysis.data.catalogue",
    "coverage_grid": "analysis.data.coverage",
    "validate_all": "analysis.data.validate",
    "normalise_region": "analysis.data.regions",
    "assess": "analysis.assess",
    "assess_target": "analysis.assess",
    "assess_one": "analysis.assess",
    "Assessment": "analysis.assessment",
    "backtest": "analysis.backtest",
    "extract_file": "analysis.targets.extract",
    "setup_plotting": "analysis.reports.fonts",
}

__all__ = sorted(_LAZY) + ["__version__"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'analysis' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
