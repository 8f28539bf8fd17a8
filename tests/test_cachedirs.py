"""``analysis cache`` and analysis.cachedirs: sizes of the content-keyed caches and pruning by age."""
from __future__ import annotations

import os
import time

import pytest

from analysis.cachedirs import cache_folders, prune, usage
from analysis.cli import main


@pytest.fixture()
def caches(tmp_path, monkeypatch):
    """A fit cache and a font cache with entries 1 and 40 days old, and one foreign file each."""
    monkeypatch.setenv("ANALYSIS_CACHE_DIR", str(tmp_path / "fits"))
    monkeypatch.delenv("ANALYSIS_CACHE", raising=False)
    fits, fonts = tmp_path / "fits", tmp_path / "fonts"
    (fonts / "subsets").mkdir(parents=True)
    fits.mkdir()
    now = time.time()
    for path, days in [(fits / "a.pkl", 1), (fits / "b.pkl", 40), (fits / "b.pkl.lock", 40),
                       (fonts / "base-x.otf", 40), (fonts / "subsets" / "s.woff", 1),
                       (fits / "notes.txt", 400), (fonts / "mine.ttc", 400)]:
        path.write_bytes(b"x" * 10)
        os.utime(path, (now - days * 86400, now - days * 86400))
    return fits, fonts


def test_folders_follow_the_environment(caches, monkeypatch):
    fits, fonts = caches
    assert cache_folders() == {"fits": fits, "fonts": fonts}
    monkeypatch.setenv("ANALYSIS_CACHE", "0")
    assert cache_folders() == {"fits": None, "fonts": None}


def test_usage_counts_only_the_files_each_cache_writes(caches):
    fits, fonts = caches
    u = usage("fits", fits)
    assert (u.files, u.bytes) == (3, 30)  # notes.txt is not the cache's
    assert usage("fonts", fonts).files == 2  # base font and one subset; mine.ttc is not the cache's
    assert usage("fits", fits.parent / "absent").files == 0


def test_prune_by_age_keeps_recent_and_foreign_files(caches):
    fits, fonts = caches
    r = prune("fits", fits, older_than_days=30)
    assert (r.files, r.bytes) == (2, 20)
    assert sorted(p.name for p in fits.iterdir()) == ["a.pkl", "notes.txt"]
    assert prune("fonts", fonts).files == 2  # 0 days: everything the cache wrote
    assert sorted(p.name for p in fonts.rglob("*") if p.is_file()) == ["mine.ttc"]


def test_cli_shows_and_prunes(caches, capsys):
    fits, _ = caches
    assert main(["cache"]) == 0
    out = capsys.readouterr().out
    assert "fits: 3 file(s), 30 B" in out and "fonts: 2 file(s)" in out
    assert main(["cache", "--prune", "--older-than", "30", "--only", "fits"]) == 0
    out = capsys.readouterr().out
    assert "fits: deleted 2 file(s), 20 B" in out and "fits: 1 file(s)" in out and "fonts" not in out


def test_cli_refuses_a_filter_without_prune(caches, capsys):
    assert main(["cache", "--older-than", "30"]) == 2
    assert "--older-than" in capsys.readouterr().err
    assert (caches[0] / "b.pkl").exists()
