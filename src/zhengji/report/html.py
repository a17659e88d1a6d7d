"""One self-contained HTML report: inline CSS, no scripts, no external resources.

An assessment office on an intranet opens the file in any browser; printing works too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from zhengji.engine.result import Assessment
from zhengji.errors import ZhengjiError
from zhengji.report.labels import LABELS, category_name, fmt, grade_name_en, label
from zhengji.report.tabular import (
    categories_present,
    ranking_columns,
    ranking_rows,
    scheme_tree_rows,
    treatment_rows,
    unit_detail,
    veto_rows,
)
from zhengji.scheme.model import Scheme

__all__ = ["render_html", "write_html"]

_LANGS = ("zh", "en")


def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("zhengji.report", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = fmt
    return env


def render_html(assessment: Assessment, scheme: Scheme, lang: str = "zh") -> str:
    """The report as an HTML string (``lang`` "zh": Chinese with English glosses; "en")."""
    if lang not in _LANGS:
        raise ZhengjiError(f"不支持的语言 unsupported language '{lang}'; use one of {_LANGS}")
    a = assessment
    from zhengji.demo import SYNTHETIC_LABEL

    def lbl(key: str) -> dict[str, str]:
        zh, en = LABELS.get(key, (label(key, "zh"), label(key, "en")))
        return {"main": en if lang == "en" else zh, "gloss": "" if lang == "en" else en}

    cats = categories_present(a, scheme)
    context: dict[str, Any] = {
        "lang": lang,
        "lbl": lbl,
        "label": lambda key: label(key, lang),
        "title": (scheme.name_en or scheme.name) if lang == "en" else scheme.name,
        "subtitle": scheme.name if lang == "en" else scheme.name_en,
        "a": a,
        "synthetic": a.synthetic,
        "synthetic_label": SYNTHETIC_LABEL,
        "columns": ranking_columns(a, lang),
        "rows": ranking_rows(a, scheme, lang),
        "details": [unit_detail(a, scheme, a.unit_ids[u], lang=lang) for u in a.order()],
        "tree": scheme_tree_rows(a, scheme, lang),
        "categories": [(c, category_name(scheme, c, lang)) for c in cats],
        "treatments": treatment_rows(a, scheme, lang),
        "vetoes": veto_rows(a, scheme),
        "grade_en": (lambda g: grade_name_en(scheme, g)) if lang == "en" else (lambda g: g),
        "scheme": scheme,
    }
    return _env().get_template("report.html").render(**context)


def write_html(assessment: Assessment, scheme: Scheme, path: str | Path, lang: str = "zh") -> Path:
    """Write :func:`render_html` to ``path`` (UTF-8) and return the path."""
    p = Path(path)
    p.write_text(render_html(assessment, scheme, lang), encoding="utf-8")
    return p
