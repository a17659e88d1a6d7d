"""PDF reports (WeasyPrint): Chinese fonts are embedded, the numbers are the assessment's."""

from __future__ import annotations

import re
import zlib
from pathlib import Path

import pytest

from zhengji.pipeline import run_bundle
from zhengji.report.pdf import html_to_pdf, write_pdf


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from zhengji.demo.world import build_world

    return run_bundle(build_world(tmp_path_factory.mktemp("pdf") / "b", seed=20251), store=False)


def _objects(pdf: bytes) -> bytes:
    """The PDF's objects with every compressed stream inflated (object streams hold fonts)."""
    out = [pdf]
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            out.append(zlib.decompress(m.group(1)))
        except zlib.error:
            continue
    return b"\n".join(out)


def test_city_report_embeds_a_cjk_font(result, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write_pdf(result.assessment, result.scheme, tmp_path / "r.pdf")
    pdf = _objects(path.read_bytes())
    assert pdf.startswith(b"%PDF-")
    fonts = set(re.findall(rb"/BaseFont\s*/([A-Z]{6}\+[A-Za-z0-9-]+)", pdf))
    assert any(b"CJK" in f for f in fonts), fonts  # a subset (ABCDEF+) of Noto Sans CJK
    assert re.search(rb"/FontFile[23]?\s", pdf)  # the font program itself is in the file
    assert b"/ToUnicode" in pdf  # text can be searched and copied as Chinese


def test_a_unit_page_in_chinese_becomes_a_pdf() -> None:
    pdf = html_to_pdf("<h1>江口县 考核结果</h1><p>综合得分 57.5</p>", compress=False)
    assert re.findall(rb"/BaseFont\s*/[A-Z]{6}\+Noto-Sans-CJK", pdf)
