"""Rows shared by every renderer (HTML, XLSX, CSV, CLI) and the JSON twin of an assessment.

Formatting only: every number comes from the :class:`Assessment`; sums of effective weights over
a subtree and means over a category are the only arithmetic done here.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from zhengji.engine.result import Assessment
from zhengji.report.labels import (
    ACTION_NAMES,
    bilingual,
    category_name,
    label,
    node_name,
)
from zhengji.scheme.model import IndicatorSpec, Scheme

__all__ = [
    "categories_present",
    "ranking_columns",
    "ranking_rows",
    "scheme_tree_rows",
    "to_json",
    "treatment_rows",
    "unit_detail",
    "veto_rows",
    "write_csv",
    "write_json",
]

Row = dict[str, Any]


def _num(x: Any) -> float | None:
    """A plain float, or None for NaN (JSON and spreadsheets have no NaN)."""
    v = float(x)
    return None if math.isnan(v) else v


def _rank(x: Any) -> int | None:
    r = int(x)
    return r if r > 0 else None


def _synthetic_label() -> str:
    from zhengji.demo import SYNTHETIC_LABEL

    return SYNTHETIC_LABEL


# --- ranking -------------------------------------------------------------------------------------
def ranking_columns(assessment: Assessment, lang: str = "zh") -> list[tuple[str, str]]:
    """``(key, header)`` for the columns of :func:`ranking_rows`, in display order."""
    cols = [
        ("rank", label("rank", lang)),
        ("rank_in_category", label("rank_in_category", lang)),
        ("name", label("unit", lang)),
        ("category_name", label("category", lang)),
        ("grade", label("grade", lang)),
        ("score", label("score", lang)),
        ("visible", label("visible", lang)),
        ("latent", label("latent", lang)),
    ]
    cols += [(f"source:{s}", label(s, lang)) for s in assessment.by_source]
    return cols


def ranking_rows(assessment: Assessment, scheme: Scheme, lang: str = "zh") -> list[Row]:
    """One flat dict per unit, best first (screened-out units last, rank None)."""
    a = assessment
    vetoed = {v.unit_id for v in a.vetoes if v.grade_after != v.grade_before}
    rows: list[Row] = []
    for u in a.order():
        uid = a.unit_ids[u]
        row: Row = {
            "rank": _rank(a.rank[u]),
            "rank_in_category": _rank(a.rank_in_category[u]),
            "unit_id": uid,
            "name": a.unit_names[u],
            "category": a.categories[u],
            "category_name": category_name(scheme, a.categories[u], lang),
            "grade": a.grade[u],
            "grade_before_veto": a.grade_before_veto[u],
            "vetoed": uid in vetoed,
            "screened_out": uid in a.screened_out,
            "score": _num(a.score[u]),
            "visible": _num(a.visible[u]),
            "latent": _num(a.latent[u]),
            "availability": _num(a.availability[u]),
        }
        for s, arr in a.by_source.items():
            row[f"source:{s}"] = _num(arr[u])
        rows.append(row)
    return rows


def write_csv(assessment: Assessment, scheme: Scheme, path: str | Path) -> Path:
    """The ranking as CSV (UTF-8 with BOM so Excel shows Chinese); bilingual headers."""
    p = Path(path)
    cols = [("unit_id", bilingual("unit_id"))] + [
        (k, _bilingual_column(k)) for k, _ in ranking_columns(assessment)
    ]
    cols += [
        ("grade_before_veto", bilingual("grade_before")),
        ("availability", bilingual("availability")),
    ]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    header = [h for _, h in cols]
    if assessment.synthetic:
        header.append("数据性质 data")
    w.writerow(header)
    for row in ranking_rows(assessment, scheme):
        cells = ["" if row[k] is None else _csv_cell(row[k]) for k, _ in cols]
        if assessment.synthetic:
            cells.append(_synthetic_label())
        w.writerow(cells)
    p.write_bytes(buf.getvalue().encode("utf-8-sig"))
    return p


def _csv_cell(v: Any) -> str:
    return f"{v:.4f}" if isinstance(v, float) else str(v)


def _bilingual_column(key: str) -> str:
    if key.startswith("source:"):
        return bilingual(key.removeprefix("source:"))
    if key == "name":
        return bilingual("unit")
    if key == "category_name":
        return bilingual("category")
    return bilingual(key)


# --- per-unit detail -----------------------------------------------------------------------------
def unit_detail(
    assessment: Assessment, scheme: Scheme, unit_id: str, top: int = 8, lang: str = "zh"
) -> Row:
    """Pillar scores, the largest indicator contributions, treatments and vetoes of one unit."""
    a = assessment
    u = a.unit(unit_id)
    pillars = [
        {
            "id": nid,
            "name": node_name(scheme, nid, lang),
            "depth": len(scheme.path(nid)) - 2,
            "score": _num(a.node_scores[nid][u]),
        }
        for nid in _dfs_nodes(scheme)
        if nid != scheme.index.id and nid in a.node_scores
    ]
    contrib = np.nan_to_num(a.contributions[u])
    order = [int(j) for j in np.argsort(-contrib, kind="stable") if contrib[j] > 0][:top]
    biggest = float(contrib[order[0]]) if order else 0.0
    # The value as assessed (after denominator, horizon and imputation), in the indicator's unit.
    raw = next((a.stages[k] for k in ("imputed", "horizon", "raw") if k in a.stages), None)
    norm = a.stages.get("normalised")
    bars = []
    for j in order:
        iid = a.indicator_ids[j]
        bars.append(
            {
                "id": iid,
                "name": node_name(scheme, iid, lang),
                "raw": _num(raw[u, j]) if raw is not None else None,
                "normalised": _num(norm[u, j]) if norm is not None else None,
                "weight": _num(_weights(a)[u, j]),
                "contribution": float(contrib[j]),
                "pct": 100.0 * float(contrib[j]) / biggest if biggest > 0 else 0.0,
            }
        )
    return {
        "unit_id": unit_id,
        "name": a.unit_names[u],
        "category_name": category_name(scheme, a.categories[u], lang),
        "score": _num(a.score[u]),
        "grade": a.grade[u],
        "availability": _num(a.availability[u]),
        "screened_out": unit_id in a.screened_out,
        "pillars": pillars,
        "contributions": bars,
        "treatments": [r for r in treatment_rows(a, scheme, lang) if unit_id in r["unit_ids"]],
        "vetoes": [r for r in veto_rows(a, scheme) if r["unit_id"] == unit_id],
    }


def _weights(a: Assessment) -> np.ndarray:
    w = np.asarray(a.weights, dtype=np.float64)
    return w if w.ndim == 2 else np.broadcast_to(w, (len(a.unit_ids), len(a.indicator_ids)))


# --- treatments and vetoes -----------------------------------------------------------------------
def treatment_rows(assessment: Assessment, scheme: Scheme, lang: str = "zh") -> list[Row]:
    a = assessment
    names = dict(zip(a.unit_ids, a.unit_names, strict=True))
    out = []
    for rec in a.treatments:
        zh, en = ACTION_NAMES.get(rec.action, (rec.action, rec.action))
        ind = "*" if rec.indicator_id == "*" else node_name(scheme, rec.indicator_id, lang)
        out.append(
            {
                "indicator_id": rec.indicator_id,
                "indicator": ind,
                "action": rec.action,
                "action_name": en if lang == "en" else zh,
                "unit_ids": [str(x) for x in rec.unit_ids],
                "units": [names.get(str(x), str(x)) for x in rec.unit_ids],
                "detail": rec.detail,
            }
        )
    return out


def veto_rows(assessment: Assessment, scheme: Scheme) -> list[Row]:
    a = assessment
    names = dict(zip(a.unit_ids, a.unit_names, strict=True))
    return [
        {
            "unit_id": v.unit_id,
            "name": names.get(v.unit_id, v.unit_id),
            "veto_id": v.veto_id,
            "veto_name": v.veto_name,
            "reason": v.reason,
            "grade_before": v.grade_before,
            "grade_after": v.grade_after,
        }
        for v in a.vetoes
    ]


# --- the scheme tree with effective weights ------------------------------------------------------
def categories_present(assessment: Assessment, scheme: Scheme) -> list[str]:
    """Categories of the assessed units, in scheme order (unknown ones after)."""
    have = list(dict.fromkeys(assessment.categories))
    known = [c.id for c in scheme.categories if c.id in have]
    return known + [c for c in have if c not in known]


def _dfs_nodes(scheme: Scheme) -> list[str]:
    out: list[str] = []

    def walk(node_id: str) -> None:
        out.append(node_id)
        for kid in scheme.children(node_id):
            walk(kid.id)

    walk(scheme.index.id)
    return out


def scheme_tree_rows(assessment: Assessment, scheme: Scheme, lang: str = "zh") -> list[Row]:
    """Index, pillars and indicators depth first, with declared and effective weights.

    ``effective[cat]`` is the mean over the category's units of the summed effective weights of
    the node's indicators (what the node really counts for, after categories, missing data and
    source reweighting); ``within[cat]`` is the node's normalised weight inside its parent.
    """
    a = assessment
    cats = categories_present(a, scheme)
    cat_arr = np.array(a.categories)
    weights = _weights(a)
    col = {iid: j for j, iid in enumerate(a.indicator_ids)}
    rows: list[Row] = []
    for nid in _dfs_nodes(scheme):
        leaves = [col[i] for i in _leaves(scheme, nid) if i in col]
        node = _node(scheme, nid)
        effective = {
            c: float(weights[cat_arr == c][:, leaves].sum(axis=1).mean()) if leaves else 0.0
            for c in cats
        }
        row: Row = {
            "id": nid,
            "name": node_name(scheme, nid, lang),
            "depth": len(scheme.path(nid)) - 1,
            "type": "index"
            if nid == scheme.index.id
            else ("indicator" if isinstance(node, IndicatorSpec) else "pillar"),
            "declared": _declared(scheme, nid),
            "within": _within(a, scheme, nid, cats, cat_arr),
            "effective": effective,
        }
        if isinstance(node, IndicatorSpec):
            row |= {
                "kind": node.kind,
                "source": node.source,
                "direction": node.direction,
                "unit": node.unit,
            }
        rows.append(row)
    return rows


def _node(scheme: Scheme, nid: str) -> object:
    if nid == scheme.index.id:
        return scheme.index
    for p in scheme.pillars:
        if p.id == nid:
            return p
    return scheme.indicator(nid)


def _leaves(scheme: Scheme, nid: str) -> list[str]:
    if any(i.id == nid for i in scheme.indicators):
        return [nid]
    out: list[str] = []
    for kid in scheme.children(nid):
        out += _leaves(scheme, kid.id)
    return out


def _declared(scheme: Scheme, nid: str) -> str:
    if nid == scheme.index.id:
        return ""
    parent = scheme.path(nid)[-2]
    method = str(_node(scheme, parent).weighting.method)  # type: ignore[attr-defined]
    if method == "fixed":
        return f"{_node(scheme, nid).weight:g}"  # type: ignore[attr-defined]
    return {"ahp": "AHP", "equal": "等权 equal"}.get(method, method)


def _within(
    a: Assessment, scheme: Scheme, nid: str, cats: list[str], cat_arr: np.ndarray
) -> dict[str, float | None]:
    if nid == scheme.index.id:
        return {}
    parent = scheme.path(nid)[-2]
    w = a.node_weights.get(parent)
    kids = [k.id for k in scheme.children(parent)]
    if w is None or w.ndim != 2 or w.shape[1] != len(kids):
        return {}
    k = kids.index(nid)
    return {c: _num(w[cat_arr == c][:, k].mean()) for c in cats}


# --- JSON twin -----------------------------------------------------------------------------------
def _jsonable(x: Any) -> Any:
    if isinstance(x, np.ndarray):
        return _jsonable(x.tolist())
    if isinstance(x, Mapping):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.generic):
        return _jsonable(x.item())
    if isinstance(x, float):
        return None if math.isnan(x) or math.isinf(x) else x
    if isinstance(x, str | int | bool) or x is None:
        return x
    return str(x)


def to_json(assessment: Assessment) -> dict[str, Any]:
    """Everything in the assessment as JSON-serialisable data (NaN becomes null)."""
    a = assessment
    out: dict[str, Any] = {
        "scheme_id": a.scheme_id,
        "scheme_version": a.scheme_version,
        "scheme_fingerprint": a.scheme_fingerprint,
        "period": a.period,
        "synthetic": a.synthetic,
    }
    if a.synthetic:
        out["label"] = _synthetic_label()
    out |= {
        "unit_ids": list(a.unit_ids),
        "unit_names": list(a.unit_names),
        "categories": list(a.categories),
        "indicator_ids": list(a.indicator_ids),
        "score": a.score,
        "rank": a.rank,
        "rank_in_category": a.rank_in_category,
        "grade": list(a.grade),
        "grade_before_veto": list(a.grade_before_veto),
        "visible": a.visible,
        "latent": a.latent,
        "availability": a.availability,
        "by_source": dict(a.by_source),
        "node_scores": dict(a.node_scores),
        "node_weights": dict(a.node_weights),
        "contributions": a.contributions,
        "weights": a.weights,
        "stages": dict(a.stages),
        "screened_out": list(a.screened_out),
        "treatments": [asdict(t) for t in a.treatments],
        "vetoes": [asdict(v) for v in a.vetoes],
        "diagnostics": dict(a.diagnostics),
    }
    result: dict[str, Any] = _jsonable(out)
    return result


def write_json(assessment: Assessment, scheme: Scheme, path: str | Path) -> Path:
    """:func:`to_json` plus the ranking rows and scheme identity, as UTF-8 JSON."""
    doc = to_json(assessment)
    doc["scheme"] = {
        "id": scheme.id,
        "name": scheme.name,
        "name_en": scheme.name_en,
        "version": scheme.version,
        "synthetic": scheme.synthetic,
    }
    doc["ranking"] = _jsonable(ranking_rows(assessment, scheme))
    p = Path(path)
    text = json.dumps(doc, ensure_ascii=False, indent=1, allow_nan=False)
    p.write_text(text + "\n", encoding="utf-8")
    return p
