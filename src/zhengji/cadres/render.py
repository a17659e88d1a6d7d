"""Printable pages: a person's feedback sheet and the study digest (HTML, then PDF with
WeasyPrint, which embeds a subset of Noto Sans CJK — ``fonts-noto-cjk`` must be installed)."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

__all__ = ["digest_html", "feedback_html", "to_pdf"]

_CSS = (
    "body{font-family:'Noto Sans CJK SC',sans-serif;font-size:11pt;margin:1.5cm}"
    "h1{font-size:16pt}table{border-collapse:collapse;width:100%}"
    "td,th{border:1px solid #999;padding:3px 6px;text-align:left}.label{color:#a00}"
)


def _page(title: str, body: str, label: str) -> str:
    lab = f'<p class="label">{escape(label)}</p>' if label else ""
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title>"
        f"<style>{_CSS}</style></head><body>{lab}<h1>{escape(title)}</h1>{body}</body></html>"
    )


def feedback_html(
    name: str,
    person_id: str,
    kind_zh: str,
    label: str,
    result: Mapping[str, Any],
    synthetic: str = "",
) -> str:
    score = "—" if result["score"] is None else f"{result['score']:.2f}"
    rows = "".join(
        f"<li>{escape(x['zh'])}<br><small>{escape(x['en'])}</small></li>" for x in result["lines"]
    )
    body = (
        f"<table><tr><th>姓名 Name</th><td>{escape(name)}</td>"
        f"<th>编号 ID</th><td>{escape(person_id)}</td></tr>"
        f"<tr><th>考核 Assessment</th><td>{escape(kind_zh)} {escape(label)}</td>"
        f"<th>等次 Grade</th><td>{escape(result['grade'])}（{score}）</td></tr></table>"
        f"<h2>依据 Reasons</h2><ol>{rows}</ol>"
        "<p>如有异议，可在收到本反馈后向组织部门书面提出。Objections may be raised in writing.</p>"
    )
    return _page(f"{name} 考核结果反馈 Feedback on assessment", body, synthetic)


def digest_html(views: Sequence[Mapping[str, Any]], title: str, synthetic: str = "") -> str:
    items = "".join(
        f"<h2>{escape(v['code'])}〔{escape('、'.join(v['tags']))}〕</h2>"
        f"<p><b>单位</b> {escape(v['unit'])}　<b>时间</b> {escape(v['when'])}</p>"
        f"<p><b>经过</b> {escape(v['what'])}</p><p><b>违反规定</b> {escape(v['rule'])}</p>"
        f"<p><b>后果</b> {escape(v['cost'])}</p>"
        for v in views
    )
    return _page(title, items or "<p>暂无案例 no cases</p>", synthetic)


def to_pdf(html: str) -> bytes:
    from weasyprint import HTML  # heavy import: only when a PDF is made

    buf = io.BytesIO()
    HTML(string=html).write_pdf(buf)
    return buf.getvalue()
