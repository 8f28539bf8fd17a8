"""Assessment records: computed once per batch, read by the notebooks, the same numbers as standalone."""
from __future__ import annotations

import json
import pickle
import threading

import pytest

from analysis.assess import Engine, assess_target
from analysis.reports import records, views
from analysis.reports.records import load_record, prepare_records, record_key, use_dir, wait_for_records

#: two targets of one indicator family (rung C), assessed in either order by a shared engine
FAMILY_PAIR = ("shanwei2022-p-tech_upgrade_investment_growth", "shanwei2022-t17a-fiscal_st_spending")


def _same(a, b) -> bool:
    return json.dumps(a.to_record(), sort_keys=True, default=str) == json.dumps(b.to_record(), sort_keys=True,
                                                                              default=str)


@pytest.fixture(autouse=True)
def _no_records_dir():
    use_dir(None)
    yield
    use_dir(None)


def test_key_changes_with_every_input():
    base = record_key("t", 0, None, "d", "c")
    others = [record_key("u", 0, None, "d", "c"), record_key("t", 1, None, "d", "c"),
              record_key("t", 0, 2020, "d", "c"), record_key("t", 0, None, "e", "c"),
              record_key("t", 0, None, "d", "x")]
    assert base == record_key("t", 0, None, "d", "c")
    assert len({base, *others}) == 6


def test_record_is_read_back_and_equals_a_standalone_assessment(tmp_path):
    tid = "shanwei2022-p-hte_count"
    counts = prepare_records([(tid, 0, None)], tmp_path)
    assert counts == {"written": 1, "kept": 0, "failed": 0}
    assert load_record(tid) is None  # no folder told: standalone notebooks assess themselves
    use_dir(tmp_path)
    stored = load_record(tid)
    assert stored is not None and _same(stored, assess_target(tid))
    assert load_record(tid, seed=1) is None  # another seed is another record
    assert prepare_records([(tid, 0, None)], tmp_path)["kept"] == 1


def test_notebook_helpers_use_the_record_and_fall_back_to_assessing(tmp_path):
    tid = "shanwei2022-p-hte_count"
    fresh = views.target_assessment(tid)  # no records: assessed here
    prepare_records([(tid, 0, None)], tmp_path)
    use_dir(tmp_path)
    path = next(tmp_path.glob("*.pkl"))
    marked = pickle.loads(path.read_bytes())
    marked.notes = ["from the record"]
    path.write_bytes(pickle.dumps(marked))
    assert views.target_assessment(tid).notes == ["from the record"]  # the record is what the notebook shows
    rows = views.region_targets("汕尾市").head(2)
    table, shown = views.assess_rows(rows)
    assert shown[0].notes == ["from the record"] and len(table) == 2
    assert _same(fresh, assess_target(tid))


def test_unreadable_record_means_assessing_again(tmp_path):
    tid = "shanwei2022-p-hte_count"
    prepare_records([(tid, 0, None)], tmp_path)
    next(tmp_path.glob("*.pkl")).write_bytes(b"not a pickle")
    use_dir(tmp_path)
    assert load_record(tid) is None
    assert views.target_assessment(tid).target_id == tid


def test_unknown_target_gets_no_record(tmp_path):
    assert prepare_records([("no-such-target", 0, None)], tmp_path) == {"written": 0, "kept": 0, "failed": 1}


def test_stop_ends_early_and_waiting_ends_at_the_done_mark(tmp_path):
    stop = threading.Event()
    stop.set()
    assert prepare_records([("shanwei2022-p-hte_count", 0, None)], tmp_path, stop=stop)["written"] == 0
    (tmp_path / records.DONE_MARK).write_text("done\n", encoding="utf-8")
    assert wait_for_records([("shanwei2022-p-hte_count", 0, None)], tmp_path, timeout=600) is False


def test_shared_engine_gives_the_numbers_and_labels_of_a_fresh_one():
    """A batch assesses every target with one engine; a standalone report uses a fresh one."""
    from analysis.assess import find_target

    rows = [find_target(t).to_dict() for t in FAMILY_PAIR]
    shared = Engine(seed=0)
    in_batch = [shared.assess(r) for r in rows]
    alone = Engine(seed=0).assess(rows[1])  # before the fix its class was named after the first target
    assert _same(in_batch[1], alone)
    assert "fiscal_st_spending" in (alone.reference_class or "fiscal_st_spending")


def test_target_reports_records_come_before_the_scorecards():
    from types import SimpleNamespace

    city = SimpleNamespace(kind="city", params={"region": "汕尾市", "seed": 0})
    target = SimpleNamespace(kind="target", params={"target_id": "pinghu2013-new_product_output_share", "seed": 0})
    items = records.wanted([city, target])
    assert items[0] == ("pinghu2013-new_product_output_share", 0, None)
    assert len(items) == 1 + len(views.region_targets("汕尾市")) and len(set(items)) == len(items)


def test_the_batch_fingerprints_key_the_records_without_hashing_again(tmp_path, monkeypatch):
    """A batch hands its (data, code) fingerprints to the records, the workers and the kernels."""
    tid = "shanwei2022-p-hte_count"
    fps = ("data-of-this-batch", "code-of-this-batch")
    prepare_records([(tid, 0, None)], tmp_path, fingerprints=fps)
    assert (tmp_path / f"{record_key(tid, 0, None, *fps)}.pkl").is_file()
    monkeypatch.setattr(records, "_fingerprints", lambda: pytest.fail("fingerprints taken again"))
    assert wait_for_records([(tid, 0, None)], tmp_path, timeout=1, fingerprints=fps)
    use_dir(tmp_path, fps)
    assert load_record(tid) is not None
