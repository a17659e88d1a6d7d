"""PDF of a report with WeasyPrint, Chinese fonts embedded.

WeasyPrint lays out the same HTML the browser shows and embeds a subset of every font it
uses. The stylesheet below puts a CJK font (Noto Sans CJK SC from Debian's
``fonts-noto-cjk``, else WenQuanYi Micro Hei) first, so Chinese never falls back to a font
without the glyphs (empty boxes in the PDF).
"""

from __future__ import annotations

from pathlib import Path

from zhengji.engine.result import Assessment
from zhengji.report.html import render_html
from zhengji.scheme.model import Scheme

__all__ = ["CJK_FONTS", "html_to_pdf", "render_pdf", "write_pdf"]

CJK_FONTS = '"Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Micro Hei", "Source Han Sans SC"'
_PRINT_CSS = f"""
@page {{ size: A4; margin: 15mm 12mm; }}
html, body, table, th, td, h1, h2, h3, p, li, span, div {{ font-family: {CJK_FONTS}, sans-serif; }}
table {{ page-break-inside: auto; }} tr {{ page-break-inside: avoid; }}
"""


def html_to_pdf(html: str, *, compress: bool = True) -> bytes:
    """PDF bytes of an HTML document (``compress=False`` keeps objects readable, for tests)."""
    from weasyprint import CSS, HTML

    doc = HTML(string=html, base_url=None)
    pdf: bytes = doc.write_pdf(stylesheets=[CSS(string=_PRINT_CSS)], uncompressed_pdf=not compress)
    return pdf


def render_pdf(
    assessment: Assessment, scheme: Scheme, lang: str = "zh", *, compress: bool = True
) -> bytes:
    """The whole report (:func:`zhengji.report.render_html`) as PDF bytes."""
    return html_to_pdf(render_html(assessment, scheme, lang), compress=compress)


def write_pdf(assessment: Assessment, scheme: Scheme, path: str | Path, lang: str = "zh") -> Path:
    p = Path(path)
    p.write_bytes(render_pdf(assessment, scheme, lang))
    return p
