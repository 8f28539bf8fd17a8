"""The on-disk fit cache: a hit returns the stored fit; new data or new code misses; a corrupt
entry is refitted; switched off it never touches the disk; a warm engine gives the cold answers."""
import pickle

import numpy as np
import pandas as pd

from analysis.engine import cache
from analysis.engine.cache import FitCache, frame_hash
from tests.conftest import make_panel


def _counting(value):
    calls = []

    def make():
        calls.append(1)
        return value
    return make, calls


def test_hit_returns_the_same_fit_without_refitting(tmp_path):
    c = FitCache(tmp_path, "data1")
    make, calls = _counting({"coef": np.arange(3.0)})
    first = c.get_or_make(("peers", "hte_count", 2021, 2, "same level"), make)
    again = FitCache(tmp_path, "data1").get_or_make(("peers", "hte_count", 2021, 2, "same level"), make)
    assert len(calls) == 1
    np.testing.assert_array_equal(again["coef"], first["coef"])
    assert np.int64(2021) == 2021 and c.path(("k", np.int64(2021))) == c.path(("k", 2021))


def test_changed_data_or_code_misses(tmp_path, monkeypatch):
    key = ("rung", "B", ("hte_count",), 2021, "city")
    make, calls = _counting(1.5)
    FitCache(tmp_path, "data1").get_or_make(key, make)
    FitCache(tmp_path, "data2").get_or_make(key, make)        # new data hash
    assert len(calls) == 2
    monkeypatch.setattr(cache, "code_hash", lambda: "edited-model-source")
    FitCache(tmp_path, "data1").get_or_make(key, make)        # new code hash
    assert len(calls) == 3


def test_code_hash_covers_the_model_sources():
    h = cache.code_hash()
    assert len(h) == 16 and h == cache.code_hash()
    assert (cache._PACKAGE / "models" / "peers.py").exists()


def test_corrupt_entry_is_refitted_and_replaced(tmp_path):
    c = FitCache(tmp_path, "d")
    key = ("counts", ("hte_count",), 2021, 1, None)
    c.path(key).parent.mkdir(parents=True, exist_ok=True)
    c.path(key).write_bytes(b"\x80\x04 truncated")
    make, calls = _counting(7)
    assert c.get_or_make(key, make) == 7 and len(calls) == 1
    assert pickle.loads(c.path(key).read_bytes()) == ("fit", 7)


def test_none_is_a_stored_result(tmp_path):
    c = FitCache(tmp_path, "d")
    make, calls = _counting(None)
    assert c.get_or_make(("peers", "x"), make) is None
    assert c.get_or_make(("peers", "x"), make) is None and len(calls) == 1


def test_frame_hash_sees_values():
    a = pd.DataFrame({"region": ["a"], "value": [1.0]})
    assert frame_hash(a) == frame_hash(a.copy()) != frame_hash(a.assign(value=[1.5]))


def test_switched_off_and_default_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("ANALYSIS_CACHE", "0")
    assert cache.cache_dir() is None
    monkeypatch.setenv("ANALYSIS_CACHE", "1")
    monkeypatch.setenv("ANALYSIS_CACHE_DIR", str(tmp_path))
    assert cache.cache_dir() == tmp_path
    monkeypatch.delenv("ANALYSIS_CACHE_DIR")
    assert cache.cache_dir().parts[-2:] == ("analysis", "fits")


def test_warm_engine_gives_the_cold_answers(tmp_path, monkeypatch):
    from analysis.assess import Engine, assess

    monkeypatch.setenv("ANALYSIS_CACHE", "1")
    monkeypatch.setenv("ANALYSIS_CACHE_DIR", str(tmp_path))
    rng = np.random.default_rng(11)
    panel = make_panel(rng, n_regions=30, years=range(2008, 2022))
    targets = pd.DataFrame({"target_id": [f"t{i}" for i in range(6)], "region": [f"R{i:02d}" for i in range(6)],
                            "level": "city", "parent": "P", "indicator": "hte_count", "target_type": "level",
                            "comparator": ">=", "baseline_year": 2019, "target_year": 2021,
                            "baseline_value": 500.0, "target_value": np.linspace(450, 900, 6)})
    cold = assess(targets, engine=Engine(panel, seed=0))
    assert any(p.suffix == ".pkl" for p in tmp_path.iterdir())
    warm = assess(targets, engine=Engine(panel, seed=0))
    pd.testing.assert_frame_equal(cold, warm)
    assert cold["p_meet"].notna().all()


def test_a_new_engine_reads_the_h_year_windows_back_identical(tmp_path, monkeypatch):
    """The h-year windows are kept on disk with the fits: a new engine reads them back (no merge)
    with the same rows, index, values and dtypes as the merge made them."""
    from analysis.engine import views as views_mod
    from analysis.engine.views import PanelViews

    monkeypatch.setenv("ANALYSIS_CACHE", "1")
    monkeypatch.setenv("ANALYSIS_CACHE_DIR", str(tmp_path))
    panel = make_panel(np.random.default_rng(12), n_regions=12, years=range(2010, 2022))
    cold = {h: PanelViews(panel).windows("hte_count", 2020, h) for h in (1, 2, 3)}
    calls = []
    monkeypatch.setattr(views_mod, "h_windows", lambda *a: calls.append(a) or pd.DataFrame())
    warm = PanelViews(panel)
    for h, frame in cold.items():
        assert len(frame) > 0
        pd.testing.assert_frame_equal(warm.windows("hte_count", 2020, h), frame, check_exact=True)
        np.testing.assert_array_equal(warm.window_changes("hte_count", h),
                                      PanelViews(panel)._windows_all("hte_count", h)["change"].to_numpy(float))
    assert calls == []
