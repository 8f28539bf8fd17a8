"""One report: validate parameters → execute the notebook (papermill) → one self-contained HTML file.

* parameters are checked against the notebook's schema before any kernel starts
  (:mod:`analysis.reports.params`);
* papermill runs the notebook on the Jupyter kernel named ``analysis`` (``make install`` registers
  it); the executed notebook is kept beside the report (``_work/``), also when it fails;
* nbconvert's ``HTMLExporter`` runs in-process with no code cells, ``<html lang="zh">`` (or
  ``en``), images embedded as base64 with alternative text, no remote ``<script src>`` (works
  offline), papermill's injected-parameters cell shown as a "report settings" table at the end;
* the notebook publishes its key numbers as a JSON output (:data:`SUMMARY_MIME`, in a cell tagged
  ``summary``) that the index reads and the HTML leaves out;
* files are written atomically (temporary file in the same folder, then ``os.replace``).
"""
from __future__ import annotations

import copy
import datetime as _dt
import html
import json
import os
import re
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from analysis.config import notebooks_dir
from analysis.reports.params import ParameterError, validate_parameters

KERNEL_NAME = "analysis"
SUMMARY_MIME = "application/vnd.analysis.summary+json"
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
TEMPLATE_NAME = "analysis_report"

#: notebook stem -> what it reports on (for titles)
NOTEBOOKS = {
    "target_feasibility": "target",
    "city_scorecard": "city",
    "cross_city_panel": "panel",
    "backtest": "backtest",
}

_REMOTE_SCRIPT = re.compile(r"<script\b[^>]*\bsrc\s*=\s*[\"']?(?:https?:)?//[^>]*>\s*</script>", re.IGNORECASE)
_REMOTE_LINK = re.compile(r"<link\b[^>]*\bhref\s*=\s*[\"']?(?:https?:)?//[^>]*>", re.IGNORECASE)


@dataclass
class RenderResult:
    """What happened to one report (picklable, JSON-ready with :meth:`to_dict`)."""

    notebook: str
    params: dict[str, Any]
    ok: bool = False
    html: str | None = None
    ipynb: str | None = None
    error: str | None = None
    summary: dict[str, Any] | None = None
    seconds: float = 0.0
    stage: str = ""  # validate | execute | export (where it failed)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# ---------------------------------------------------------------------- files
def atomic_write_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` via a temporary file in the same folder and ``os.replace``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException as err:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(err, OSError) and not err.filename:  # name the file (disk full says only "Errno 28")
            raise OSError(err.errno, err.strerror or str(err), str(path)) from err
        raise
    return path


def atomic_write_text(path: Path, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def notebook_path(notebook: str) -> Path:
    """The template notebook ``notebooks/<name>.ipynb``."""
    if notebook not in NOTEBOOKS:
        raise ParameterError(f"unknown report notebook {notebook!r}; known: {', '.join(NOTEBOOKS)}")
    return notebooks_dir() / f"{notebook}.ipynb"


class KernelNotFound(RuntimeError):
    """The Jupyter kernel the reports run on is not registered."""


def check_kernel(kernel_name: str = KERNEL_NAME) -> None:
    """Fail fast, with the fix, when the ``analysis`` kernel is not installed."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(kernel_name)
    except NoSuchKernel as err:
        raise KernelNotFound(
            f"Jupyter kernel {kernel_name!r} is not installed; run `make install`, or "
            f"`python -m ipykernel install --sys-prefix --name {kernel_name}` in this environment"
        ) from err


# ---------------------------------------------------------------------- execute
def execute_notebook(notebook: str | Path, out_ipynb: Path, params: Mapping[str, Any], *, km: Any = None,
                     kc: Any = None, kernel_name: str = KERNEL_NAME, timeout: float | None = 900) -> Any:
    """Run a notebook with papermill; the executed notebook is written to ``out_ipynb`` (atomically).

    Raises ``papermill.PapermillExecutionError`` when a cell fails (the executed notebook with the
    traceback is still written). ``km`` is an optional started kernel manager to reuse, ``kc`` an
    optional connected client of it (see :mod:`analysis.reports.kernels`).
    """
    import papermill as pm

    src = Path(notebook) if str(notebook).endswith(".ipynb") else notebook_path(str(notebook))
    out_ipynb = Path(out_ipynb)
    out_ipynb.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out_ipynb.stem}.", suffix=".ipynb", dir=out_ipynb.parent)
    os.close(fd)
    kwargs: dict[str, Any] = {}
    if km is not None:
        kwargs["km"] = km
    if km is not None and kc is not None:
        from analysis.reports.kernels import WARM_ENGINE, ensure_engine

        ensure_engine()
        kwargs.update(kc=kc, engine_name=WARM_ENGINE)
    try:
        nb = pm.execute_notebook(
            str(src), tmp, parameters=dict(params), kernel_name=kernel_name, progress_bar=False,
            log_output=False, request_save_on_cell_execute=False, execution_timeout=timeout,
            language="python", **kwargs,
        )
    finally:
        if Path(tmp).exists() and Path(tmp).stat().st_size > 0:
            os.chmod(tmp, 0o644)
            os.replace(tmp, out_ipynb)
        else:
            Path(tmp).unlink(missing_ok=True)
    return nb


def extract_summary(nb: Any) -> dict[str, Any] | None:
    """The JSON the notebook published with :data:`SUMMARY_MIME` (last one wins)."""
    found = None
    for cell in nb.cells:
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            data = out.get("data", {})
            if SUMMARY_MIME in data:
                value = data[SUMMARY_MIME]
                found = json.loads(value) if isinstance(value, str) else dict(value)
    return found


def error_message(err: BaseException) -> str:
    """One line for the index: ``KeyError: unknown target 'x'; close matches: …``."""
    ename = getattr(err, "ename", None)
    evalue = getattr(err, "evalue", None)
    if ename:
        return f"{ename}: {evalue}".strip()
    return f"{type(err).__name__}: {err}".strip()


# ---------------------------------------------------------------------- export
#: provenance keys shown as words (translated); parameter names are shown as code
SETTING_LABELS = ("generated (UTC)", "data", "kernel", "seconds", "analysis")


def settings_html(params: Mapping[str, Any], lang: str = "zh", extra: Mapping[str, Any] | None = None) -> str:
    """The report's parameters and provenance as an escaped HTML table."""
    from analysis.reports.words import t  # labels through the catalogue; parameter names stay code

    title = t("Report settings and provenance", lang)
    rows = dict(params)
    rows.update(extra or {})
    def value(v: Any) -> str:
        if v is None:
            return "—"
        return html.escape(json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v)

    body = "\n".join(  # one row a line: the generated-time row is the one line that differs between runs
        f"<tr><th>{html.escape(t(str(k), lang)) if k in SETTING_LABELS else f'<code>{html.escape(str(k))}</code>'}"
        f"</th><td>{value(v) if k in SETTING_LABELS else f'<code>{value(v)}</code>'}</td></tr>"
        for k, v in rows.items()
    )
    return f'<div class="report-settings"><h4>{title}</h4><table>\n{body}\n</table></div>'


def _settings_cell(nbformat: Any, params: Mapping[str, Any], lang: str, extra: Mapping[str, Any]) -> Any:
    cell = nbformat.v4.new_code_cell(source="# report settings (generated)")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": settings_html(params, lang, extra)})]
    cell.metadata["tags"] = ["report-settings"]
    cell.id = "report-settings"  # not nbformat's random id: the page's bytes depend on the inputs only
    return cell


def prepare_for_html(nb: Any, params: Mapping[str, Any], lang: str = "zh",
                     extra: Mapping[str, Any] | None = None) -> Any:
    """A copy of an executed notebook ready for the HTML report.

    Drops the ``parameters`` and ``injected-parameters`` cells (their values go to a settings
    table appended at the end), cells tagged ``summary``/``remove-cell``, stderr streams and
    markdown-free empty cells.
    """
    import nbformat

    nb = copy.deepcopy(nb)
    drop = {"parameters", "injected-parameters", "summary", "remove-cell"}
    cells = []
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & drop:
            continue
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.get("outputs", [])
                            if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
        cells.append(cell)
    cells.append(_settings_cell(nbformat, params, lang, extra or {}))
    nb.cells = cells
    return nb


def strip_remote_resources(page: str) -> str:
    """Remove any ``<script src=http…>`` and ``<link href=http…>`` left in a page (offline, no CDN)."""
    page = _REMOTE_SCRIPT.sub("", page)
    return _REMOTE_LINK.sub("", page)


_EXPORTERS = threading.local()


def html_exporter() -> Any:
    """This thread's nbconvert ``HTMLExporter`` for the reports' template, made once.

    A new exporter compiles its ~55 Jinja templates again (about three quarters of an export's
    time); one kept per thread (a batch worker exports many pages) gives the same pages.
    Example: ``html_exporter() is html_exporter()`` within one thread.
    """
    exporter = getattr(_EXPORTERS, "exporter", None)
    if exporter is None:
        from nbconvert import HTMLExporter
        from traitlets.config import Config

        exporter = HTMLExporter(
            template_name=TEMPLATE_NAME, extra_template_basedirs=[str(TEMPLATES_DIR)],
            exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
            # the notebook is validated once, after the last preprocessor, not after each of the
            # twelve (a quarter of an export's time; the same page)
            optimistic_validation=True,
            # no Pygments CSS (~5 KB): the reports show no code
            config=Config({"CSSHTMLHeaderPreprocessor": {"enabled": False}}),
        )
        exporter.log.setLevel("ERROR")
        _EXPORTERS.exporter = exporter
    return exporter


def export_html(nb: Any, lang: str = "zh", title: str = "", embed_font: bool = True) -> str:
    """HTML of an executed notebook: outputs only, ``<html lang=...>``, no remote scripts.

    ``embed_font`` adds a subset of the CJK font (only the characters the page uses, a few KB)
    so the page shows Chinese even where no CJK font is installed.
    """
    exporter = html_exporter()
    exporter.language_code = lang
    nb = copy.copy(nb)
    nb.metadata = copy.deepcopy(nb.metadata)
    if title:
        nb.metadata["title"] = title
    body, _ = exporter.from_notebook_node(nb)
    body = strip_remote_resources(body)
    if embed_font:
        from analysis.reports.fonts import embed_page_font

        body = embed_page_font(body)
    return body


def report_title(notebook: str, params: Mapping[str, Any], summary: Mapping[str, Any] | None = None) -> str:
    """The page title in the report's language (names from regions.csv / indicators.csv for English)."""
    from analysis.reports.words import indicator_name, region_name, t

    s = summary or {}
    lang = str(params.get("lang") or "zh")
    if notebook == "target_feasibility":
        ind = indicator_name(s.get("indicator"), s.get("indicator_zh"), lang)
        return " · ".join(x for x in (region_name(s.get("region"), lang), str(ind), str(params.get("target_id"))) if x)
    if notebook == "city_scorecard":
        return t("City scorecard: {region}", lang, region=region_name(params.get("region"), lang))
    if notebook == "cross_city_panel":
        return t("Cross-region panel: {indicator}", lang, indicator=indicator_name(params.get("indicator"), "", lang))
    return t("Backtest and calibration", lang)


GENERATED_KEY = "generated (UTC)"


def provenance(seconds: float, now: _dt.datetime | None = None) -> dict[str, Any]:
    """Version, time and data fingerprint shown at the bottom of a report.

    Everything that changes from run to run (the time and how long the report took) sits on the
    one ``generated (UTC)`` line, so two runs of a batch differ in that line only.
    Example: ``provenance(1.25)["generated (UTC)"]`` is like ``"2026-12-02 18:30 · 1.2 s"``.
    """
    import analysis
    from analysis.reports.cache import data_fingerprint

    now = now or _dt.datetime.now(_dt.timezone.utc)
    return {
        "analysis": analysis.__version__,
        GENERATED_KEY: f"{now.strftime('%Y-%m-%d %H:%M')} · {seconds:.1f} s",
        "data": data_fingerprint()[:12],
        "kernel": KERNEL_NAME,
    }


# ---------------------------------------------------------------------- one report
def render_report(notebook: str, params: Mapping[str, Any], out_html: str | Path, *,
                  work_dir: str | Path | None = None, validate: bool = True, session: Any = None,
                  timeout: float | None = 900) -> RenderResult:
    """Validate → execute → export one report; never raises for a bad target (see ``result.error``).

    ``work_dir`` receives the executed notebook (default: ``<out_html folder>/_work``);
    ``session`` is an optional :class:`~analysis.reports.kernels.KernelSession` to reuse a warm kernel.
    """
    t0 = time.perf_counter()
    out_html = Path(out_html)
    work = Path(work_dir) if work_dir is not None else out_html.parent / "_work"
    ipynb = work / f"{out_html.stem}.ipynb"
    result = RenderResult(notebook=notebook, params=dict(params))
    try:
        checked = validate_parameters(notebook, params, check_domain=validate) if validate else dict(params)
    except ParameterError as err:
        result.error, result.stage = f"ParameterError: {err}", "validate"
        result.seconds = time.perf_counter() - t0
        return result
    result.params = dict(checked)
    lang = str(checked.get("lang") or "zh")
    own_session = session is None
    if own_session:  # one fresh kernel for this report only
        from analysis.reports.kernels import KernelSession

        session = KernelSession(warmup="", max_uses=1)
    ok = False
    try:
        km = session.acquire()
        nb = execute_notebook(notebook, ipynb, checked, km=km, kc=session.kc, timeout=timeout)
        ok = True
    except Exception as err:  # noqa: BLE001 - reported per report, the batch goes on
        result.error, result.stage = error_message(err), "execute"
        result.ipynb = str(ipynb) if ipynb.exists() else None
        result.seconds = time.perf_counter() - t0
        out_html.unlink(missing_ok=True)  # never leave a stale report looking current
        return result
    finally:
        if own_session:
            session.shutdown()
        else:
            session.release(ok)
    result.ipynb = str(ipynb)
    try:
        result.summary = extract_summary(nb)
        seconds = time.perf_counter() - t0
        page_nb = prepare_for_html(nb, checked, lang, provenance(seconds))
        page = export_html(page_nb, lang, report_title(notebook, checked, result.summary))
        atomic_write_text(out_html, page)
    except Exception as err:  # noqa: BLE001
        result.error, result.stage = error_message(err), "export"
        result.seconds = time.perf_counter() - t0
        return result
    result.ok, result.html = True, str(out_html)
    result.seconds = time.perf_counter() - t0
    return result


def publish_summary(record: Mapping[str, Any]) -> None:
    """In a notebook: publish the report's key numbers for the index (hidden in the HTML)."""
    from IPython.display import display

    clean = json.loads(json.dumps(record, ensure_ascii=False, default=str))
    display({SUMMARY_MIME: clean, "text/plain": "summary for the index"}, raw=True)
