"""Reading a long text in pieces: the candidates of each chunk, in one process or two.

A text over :data:`analysis.targets.extract.CHUNK_CHARS` characters is cut at line breaks
(:func:`analysis.targets.extract.text_chunks`). Once the document's date, place and kind are read
from its head, the chunks are independent: each is normalised and read on its own
(:func:`chunk_candidates`), its positions shifted to the whole text. :func:`candidates_by_chunk`
reads them one after another, or — for two chunks or more, where ``fork`` exists and the caller
is not itself a daemon worker — shares them with :data:`WORKERS` worker processes: this process
reads the first chunk and then the chunks no worker has started, from the end. Results are put
back in chunk order, so the output is the same either way (tested).
"""
from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from analysis.targets.candidates import Candidate
from analysis.targets.clauses import section_modes
from analysis.targets.document import DocInfo
from analysis.targets.merge import _expand_list_ranks, _merge
from analysis.targets.sentences import extract_sentences
from analysis.targets.tables import parse_tables
from analysis.targets.text import Normalised, normalise

#: Worker processes for the chunks after the first (``ANALYSIS_EXTRACT_WORKERS``; 0 reads them in
#: this process). This process reads chunks too, so one worker fills the two-core machine the goal
#: is measured on.
WORKERS = 1
#: Characters read before forking, to warm what the workers share (see :func:`candidates_by_chunk`).
WARM_CHARS = 20_000


def workers() -> int:
    """Worker processes to use: ``ANALYSIS_EXTRACT_WORKERS`` if set (≥ 0), else :data:`WORKERS`."""
    value = os.environ.get("ANALYSIS_EXTRACT_WORKERS", "")
    return max(0, int(value)) if value.strip().isdigit() else WORKERS


def chunk_candidates(nt: Normalised, doc: DocInfo, offset: int = 0) -> list[Candidate]:
    """Candidates of one normalised chunk, quotes cut while its offset map exists, positions + ``offset``."""
    sections = section_modes(nt.text, doc.kind)
    table_cands, table_spans = parse_tables(nt, doc, sections)
    cands = table_cands + extract_sentences(nt, doc, sections, table_spans)
    cands = _expand_list_ranks(_merge(cands), nt.text)
    for c in cands:
        c.quote = nt.quote(c.start, c.end).strip()
        c.start, c.end = c.start + offset, c.end + offset
    return cands


def _read_chunk(piece: str, offset: int, doc: DocInfo) -> list[Candidate]:
    """A worker's job: normalise one raw chunk and read it (module level, so it can be sent)."""
    return chunk_candidates(normalise(piece), doc, offset)


def _pool(n_jobs: int) -> ProcessPoolExecutor | None:
    """A fork-based pool for ``n_jobs`` chunks, or None when chunks are to be read here."""
    n = min(workers(), n_jobs)
    if n < 1 or "fork" not in multiprocessing.get_all_start_methods() or multiprocessing.current_process().daemon:
        return None
    try:
        return ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("fork"))
    except (OSError, ValueError):  # no processes to be had: read the chunks here
        return None


def candidates_by_chunk(original: str, pieces: list[tuple[int, int]], first: Normalised,
                        doc: DocInfo) -> list[list[Candidate]]:
    """Candidates of every chunk ``pieces[k] = (start, end)`` of ``original``, in chunk order.

    ``first`` is the first chunk, already normalised (its head gave ``doc``). Later chunks go to
    worker processes when there are any; if the pool breaks, they are read here instead.
    """
    rest = pieces[1:]
    if rest and workers() > 0:
        # read the head once before forking: the workers then share its compiled patterns, the
        # imported number parser and the cached indicator look-ups instead of each building them
        chunk_candidates(normalise(original[:WARM_CHARS]), doc)
    pool = _pool(len(rest)) if rest else None
    futures = [pool.submit(_read_chunk, original[a:b], a, doc) for a, b in rest] if pool else []
    out = [chunk_candidates(first, doc, 0)] if pieces else []
    results: list[list[Candidate] | None] = [None] * len(rest)
    try:
        # this process then reads, from the end, the chunks no worker has started (the workers
        # take them from the front): two busy processes for two cores, and no idle wait
        for k in range(len(futures) - 1, -1, -1):
            if futures[k].cancel():
                results[k] = _read_chunk(original[rest[k][0]:rest[k][1]], rest[k][0], doc)
        for k, f in enumerate(futures):
            if results[k] is None:
                results[k] = f.result()
    except (BrokenProcessPool, OSError):
        pass  # what the pool did not deliver is read here below
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    for k, (a, b) in enumerate(rest):
        if results[k] is None:  # no pool, or it broke
            results[k] = _read_chunk(original[a:b], a, doc)
    return out + results
