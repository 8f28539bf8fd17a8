"""Open the index and one report in headless Chromium from file://: screenshot, no console errors."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM = next((p for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser") if Path(p).exists()), None)


def _open(url: str, tmp: Path, shot: str) -> tuple[str, str, Path]:
    png = tmp / shot
    common = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
              "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp / 'profile'}",
              "--enable-logging=stderr", "--v=0"]
    shot_run = subprocess.run([CHROMIUM, *common, f"--screenshot={png}", "--window-size=1200,1600", url],
                              capture_output=True, text=True, timeout=120)
    dom_run = subprocess.run([CHROMIUM, *common, "--dump-dom", url], capture_output=True, text=True, timeout=120)
    return dom_run.stdout, shot_run.stderr + dom_run.stderr, png


def _console_errors(stderr: str) -> list[str]:
    """Console lines in Chromium's log (``CONSOLE(12)`` or ``INFO:CONSOLE:1]`` depending on the version).

    Chromium logs console.error and uncaught exceptions at INFO level, so any console line counts:
    the pages themselves never write to the console.
    """
    return [line for line in stderr.splitlines() if re.search(r"CONSOLE[(:]", line) or "Uncaught" in line]


def test_console_detector_catches_script_errors(tmp_path):
    if CHROMIUM is None:
        pytest.skip("chromium not installed")
    page = tmp_path / "bad.html"
    page.write_text("<html><body><script>undefinedFn();</script></body></html>", encoding="utf-8")
    _, stderr, _ = _open(page.as_uri(), tmp_path, "bad.png")
    assert _console_errors(stderr)


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (CI installs it with apt in .ci/run)")
def test_index_and_report_open_offline_without_console_errors(small_batch, shanwei_id, tmp_path):
    index = Path(small_batch.index)
    report = next(r for r in small_batch.results if r.ok and r.job.kind == "target").job.html
    for name, path in (("index", index), ("report", Path(report))):
        dom, stderr, png = _open(path.resolve().as_uri(), tmp_path, f"{name}.png")
        assert png.exists() and png.stat().st_size > 10_000, stderr[-2000:]
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert not _console_errors(stderr), _console_errors(stderr)
        assert "<html" in dom
        if name == "index":
            assert shanwei_id in dom and re.search(r"<table class=\"sortable\"", dom)
        else:
            assert 'src="data:image/png;base64,' in dom
    shutil.rmtree(tmp_path / "profile", ignore_errors=True)
