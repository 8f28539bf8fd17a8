"""Large and hostile input: linear-time merging, chunked reading, binary and empty files."""
from __future__ import annotations

import random
from argparse import Namespace

import pandas as pd
import pytest

from analysis.targets import extract as ex
from analysis.targets import merge
from analysis.targets.candidates import Candidate
from analysis.targets.text import NotTextError, normalise, read_text

PLAN = "临江市科学技术局2024年工作要点\n二、主要目标\n高新技术企业达到300家以上,技术合同成交额突破20亿元。\n"


def _cands(n: int, same_value: bool) -> list[Candidate]:
    return [Candidate(start=i, end=i + 1, indicator_zh=f"指标{i % 97}", target_type="level", comparator=">=",
                      target_value=100.0 if same_value else float(i), unit="家") for i in range(n)]


@pytest.mark.parametrize("same_value", [True, False])
def test_merge_compares_each_candidate_with_a_bounded_number_of_others(same_value):
    for n in (500, 2000):
        merge._merge(_cands(n, same_value))
        # quadratic merging made n(n-1)/2 comparisons (2 million for n = 2000)
        assert merge.COMPARISONS["n"] <= n * merge.MERGE_WINDOW
        if not same_value:
            assert merge.COMPARISONS["n"] == 0  # different values never meet


def test_text_chunks_cut_after_line_breaks_and_cover_the_text():
    text = "一二三\n四五六\n七八九十\n"
    pieces = ex.text_chunks(text, size=5)
    assert "".join(text[a:b] for a, b in pieces) == text
    assert all(text[b - 1] == "\n" for a, b in pieces)


def test_a_long_text_read_in_chunks_gives_the_rows_of_one_copy(monkeypatch):
    body = PLAN * 40  # the same two targets restated 40 times
    whole = ex.extract_text(body, "p.txt")
    monkeypatch.setattr(ex, "CHUNK_CHARS", 300)
    chunked = ex.extract_text(body, "p.txt")
    key = lambda df: sorted(zip(df["target_value"], df["unit"]))  # noqa: E731
    assert key(chunked) == key(whole) == [(20.0, "亿元"), (300.0, "家")]
    assert all(q in body for q in chunked["quote"])


def test_offset_map_survives_normalisation_of_full_width_and_crlf_text():
    original = "２０２２年\r\n高新技术企业达到１００家\u200b以上。"
    nt = normalise(original)
    i = nt.text.index("100家")
    assert nt.quote(i, i + 4) == "１００家"


def test_binary_input_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "image.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(NotTextError, match="image.png: not text"):
        read_text(path)


def test_random_bytes_without_nul_are_refused(tmp_path):
    rng = random.Random(7)
    path = tmp_path / "noise.txt"
    path.write_bytes(bytes(rng.randrange(1, 256) for _ in range(50_000)))
    with pytest.raises(NotTextError, match="noise.txt"):
        read_text(path)


def _args(files, **kw):
    base = dict(files=files, format="csv", evaluate=None, out=None, min_confidence=0.0, against=None)
    base.update(kw)
    return Namespace(**base)


def test_command_refuses_binary_and_says_empty(tmp_path, capsys):
    from analysis.commands.extract import run

    binary = tmp_path / "a.bin"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    assert run(_args([str(binary)])) == 2
    assert "a.bin: not text" in capsys.readouterr().err
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    assert run(_args([str(empty)])) == 0
    captured = capsys.readouterr()
    assert "empty.txt: empty file" in captured.err and captured.out.count("\n") == 1  # header only


def test_random_text_yields_no_rows():
    rng = random.Random(3)
    alphabet = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严龙飞"
    text = "".join(rng.choice(alphabet + "0123456789%,。\n") for _ in range(20_000))
    df = ex.extract_text(text, "noise.txt")
    # random characters may spell a number with a unit by chance, never a confident target
    assert len(df) <= 5 and (df["confidence"] < 0.9).all()


def test_chunks_read_by_worker_processes_give_the_rows_read_here(monkeypatch):
    """Worker processes or none: the same rows, in the same order (chunk order is kept)."""
    body = "\n".join([PLAN, "三、重点工作\n力争新增省级工程技术研究中心5家,技术合同成交额达到25亿元。\n"] * 30)
    monkeypatch.setattr(ex, "CHUNK_CHARS", 400)
    assert len(ex.text_chunks(body, ex.CHUNK_CHARS)) >= 5
    monkeypatch.setenv("ANALYSIS_EXTRACT_WORKERS", "0")
    here = ex.extract_text(body, "p.txt")
    for n in ("1", "2"):  # one worker and this process share the chunks; or two workers and this one
        monkeypatch.setenv("ANALYSIS_EXTRACT_WORKERS", n)
        pd.testing.assert_frame_equal(here, ex.extract_text(body, "p.txt"))
    assert sorted(zip(here["target_value"], here["unit"])) == [(5.0, "家"), (20.0, "亿元"), (25.0, "亿元"), (300.0, "家")]


def test_worker_count_comes_from_the_environment(monkeypatch):
    from analysis.targets import chunks

    monkeypatch.setenv("ANALYSIS_EXTRACT_WORKERS", "0")
    assert chunks.workers() == 0 and chunks._pool(3) is None
    monkeypatch.setenv("ANALYSIS_EXTRACT_WORKERS", "junk")
    assert chunks.workers() == chunks.WORKERS
    monkeypatch.delenv("ANALYSIS_EXTRACT_WORKERS")
    assert chunks.workers() == chunks.WORKERS


def test_breakthrough_rows_take_the_unit_of_the_first_similar_target():
    """The unit pass compares names once per distinct name, and keeps document order."""
    cands = [Candidate(0, 1, "技术合同成交额", "level", ">=", 5.0, "亿元"),
             Candidate(2, 3, "高新技术企业数量", "level", ">=", 30.0, "家"),
             Candidate(4, 5, "高新技术企业", "level", ">=", 40.0, "个"),
             Candidate(6, 7, "高新技术企业", "breakthrough", ">", 0.0, "")]
    merge._fill_units(cands)
    assert (cands[3].unit, cands[3].comparator, cands[3].target_value) == ("家", ">=", 1.0)
    assert cands[3].notes == ["unit from the related target 高新技术企业数量"]
