"""Fixtures for the reports layer: synthetic Assessments (charts, index) and one shared small batch."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.assessment import Assessment

KERNEL_SPEC = "analysis"


def synthetic_assessment(**overrides) -> Assessment:
    """An Assessment with made-up numbers shaped like the Shanwei 高企 target (49 → 100)."""
    hist = pd.DataFrame({
        "year": [2016, 2017, 2018, 2019, 2020, 2021],
        "value": [20.0, 24.0, 27.0, 33.0, 41.0, 49.0],
        "qualifier": ["exact", "exact", "approx", "exact", "at_least", "exact"],
        "derived": [False, True, False, False, False, False],
        "source": ["https://example.gov.cn/a?b=1&c=<x>", "000_319635f440b73d7f.txt", "s", "s", "s", "s"],
        "quote": ["<b>高企</b>20家", "q", "q", "q", "q", "q"],
        "reliability": ["official"] * 6,
    })
    fan = pd.DataFrame({"year": [2021, 2022], "q05": [49, 50], "q10": [49, 53], "q25": [49, 58], "q50": [49, 62],
                        "q75": [49, 67], "q90": [49, 72], "q95": [49, 76.0]})
    a = Assessment(
        target_id="synthetic-hte", region="汕尾市", indicator="hte_count", indicator_zh="高新技术企业数量", unit="家",
        kind="count", scale="log", level="city", parent="广东省", baseline_year=2021, baseline_value=49.0,
        target_year=2022, target_value=100.0, as_of=2021, horizon=1, required_change=float(np.log(100 / 49)),
        required_cagr=100 / 49 - 1, own_mean_change=0.18, own_max_change=0.21, required_percentile=98.5,
        p_meet=0.03, p_own=0.01, p_peers=0.04, p_pooled=0.03, model="pooled", verdict="implausible",
        level_p50=62.0, level_p80=56.0, n_peer_windows=160, n_peer_met=7, n_peer_regions=21,
        reference_class="广东省 cities", n_own_changes=5, notes=["a <note>"], quote="高新技术企业达到100家",
        history=hist, fan=fan, peer_changes=np.random.default_rng(0).normal(0.15, 0.2, 160),
    )
    for k, v in overrides.items():
        setattr(a, k, v)
    return a


#: backtest report parameters for tests: every rung, two indicators, few draws
BACKTEST_SMALL = {"indicators": "rd_intensity,hte_count", "draws": 200}


@pytest.fixture
def assessment() -> Assessment:
    return synthetic_assessment()


@pytest.fixture
def make_assessment():
    """The factory itself, for tests that need variants (``make_assessment(fan=None)``)."""
    return synthetic_assessment


def registry_target(region: str = "汕尾市", indicator: str = "hte_count") -> str:
    """A real registry target id (the Shanwei 高企 level target), skipping if the registry lacks it."""
    from analysis.data.loaders import load_targets

    reg = load_targets()
    hit = reg[(reg["region"] == region) & (reg["indicator"] == indicator) & (reg["target_type"] == "level")]
    if hit.empty:
        pytest.skip(f"no {indicator} level target for {region} in data/targets/targets.csv yet")
    return str(hit.iloc[0]["target_id"])


def require_kernel() -> None:
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(KERNEL_SPEC)
    except NoSuchKernel:
        pytest.fail("Jupyter kernel 'analysis' is not registered: run "
                    "`python -m ipykernel install --sys-prefix --name analysis` (make install does)")


@pytest.fixture(scope="session")
def shanwei_id() -> str:
    return registry_target()


@pytest.fixture(scope="session")
def small_batch(tmp_path_factory, shanwei_id):
    """One batch that executes each of the four notebooks once, plus two failing jobs.

    Jobs: the Shanwei 高企 target (zh), its city scorecard, the hte_count panel (en), the backtest,
    an unknown id caught before any kernel starts (path-traversal name), and an unknown id that is
    let through to the kernel (its executed notebook must be kept and linked).
    """
    from analysis.reports.batch import make_job, plan_jobs, run_batch

    require_kernel()
    out = tmp_path_factory.mktemp("reports")
    jobs = plan_jobs(out, target_ids=[shanwei_id], extras=["backtest"])
    for job in jobs:  # a small backtest (two indicators, few draws): the full one is make report's job
        if job.kind == "backtest":
            job.params.update(BACKTEST_SMALL)
    jobs.append(make_job("panel", "hte_count", {"indicator": "hte_count", "lang": "en"}, out))
    jobs.append(make_job("target", "../../etc/x", {"target_id": "../../etc/x", "lang": "zh"}, out))
    jobs.append(make_job("target", "no-such-target", {"target_id": "no-such-target", "lang": "zh"}, out,
                         validate=False))
    return run_batch(out, workers=2, jobs=jobs, progress=False)
