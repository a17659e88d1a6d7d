"""The HTML report: self-contained, labelled when synthetic, complete, escaped."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from zhengji.engine.result import Assessment
from zhengji.errors import ZhengjiError
from zhengji.report import render_html, write_html
from zhengji.scheme.model import Scheme


def test_banner_units_and_footer(assessment: Assessment, scheme: Scheme, tmp_path: Path) -> None:
    p = write_html(assessment, scheme, tmp_path / "r.html")
    html = p.read_text(encoding="utf-8")
    assert 'class="banner"' in html and "示例数据（模拟）" in html
    for name in ("甲县", "乙县", "丁县"):
        assert name in html
    assert "小方案（示例）" in html
    assert "f" * 64 in html and "2025" in html  # fingerprint and period in the footer
    assert "虚报（模拟）" in html  # veto reason
    assert "缺失值插补" in html  # treatment
    assert "因数据不足未评" in html  # screened-out unit instead of a grade


def test_self_contained(assessment: Assessment, scheme: Scheme) -> None:
    html = render_html(assessment, scheme)
    assert "<script" not in html.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "<link" not in html.lower() and "@import" not in html
    assert html.count("<style>") == 1


def test_unit_names_are_escaped(assessment: Assessment, scheme: Scheme) -> None:
    html = render_html(assessment, scheme)
    assert "丙县&lt;b&gt;" in html and "丙县<b>" not in html


def test_contribution_bars_are_inline_css(assessment: Assessment, scheme: Scheme) -> None:
    html = render_html(assessment, scheme)
    widths = [float(w) for w in re.findall(r'style="width: ([0-9.]+)%"', html)]
    assert widths and max(widths) == 100.0 and min(widths) > 0


def test_ranking_order_in_table(assessment: Assessment, scheme: Scheme) -> None:
    html = render_html(assessment, scheme)
    ranking = html[html.index('id="ranking"') : html.index('id="details"')]
    order = [ranking.index(f"#u-{u}") for u in ("u3", "u1", "u2", "u4")]
    assert order == sorted(order)


def test_english_variant(assessment: Assessment, scheme: Scheme) -> None:
    html = render_html(assessment, scheme, lang="en")
    assert "Ranking" in html and "Tiny scheme" in html
    assert "Excellent" in html and "Type B" in html
    assert "示例数据（模拟）" in html  # the banner is bilingual in both variants
    with pytest.raises(ZhengjiError):
        render_html(assessment, scheme, lang="fr")


def test_no_banner_for_real_data(assessment: Assessment, scheme: Scheme) -> None:
    real = dataclasses.replace(assessment, synthetic=False)
    html = render_html(real, scheme)
    assert 'class="banner"' not in html and "示例数据（模拟）" not in html
