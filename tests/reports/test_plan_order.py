"""Batch planning: the longest jobs go first so the batch does not end on its longest report."""
from __future__ import annotations

import json

from analysis.reports.batch import make_job, plan_order


def _jobs(tmp_path):
    return [make_job("target", "a", {"target_id": "a"}, tmp_path),
            make_job("target", "b", {"target_id": "b"}, tmp_path),
            make_job("city", "汕尾市", {"region": "汕尾市"}, tmp_path),
            make_job("backtest", "backtest", {}, tmp_path),
            make_job("panel", "hte_count", {"indicator": "hte_count"}, tmp_path)]


def test_longest_kind_first_and_ties_keep_their_order(tmp_path):
    order = [(j.kind, j.name) for j in plan_order(_jobs(tmp_path))]
    assert order == [("backtest", "backtest"), ("panel", "hte_count"), ("city", "汕尾市"), ("target", "a"),
                     ("target", "b")]


def test_seconds_measured_by_the_last_run_win(tmp_path):
    jobs = _jobs(tmp_path)
    side = tmp_path / "side.json"
    side.write_text(json.dumps({"seconds": 30.0}), encoding="utf-8")
    jobs[1].sidecar = str(side)  # target b took 30 s last time
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    jobs[0].sidecar = str(bad)  # unreadable: the kind's typical time
    assert [j.name for j in plan_order(jobs)][:2] == ["b", "backtest"]
    assert plan_order([]) == []
