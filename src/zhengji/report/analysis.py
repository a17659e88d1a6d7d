"""Reports of the evaluate–feedback–optimise analyses (评估-反馈-优化): JSON, HTML, XLSX.

Every result becomes one JSON-able dict first (``*_json``); the HTML page (inline SVG charts:
rank intervals, Sobol bars, correlation heat maps — no scripts, no external resources) and the
workbook are drawn from those dicts, and the web app can serve the same dicts as JSON twins.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from zhengji.engine.diagnostics import Diagnostics
from zhengji.engine.sensitivity import SensitivityResult, SobolIndices
from zhengji.engine.uncertainty import FACTOR_LABELS, UncertaintyResult
from zhengji.errors import ZhengjiError
from zhengji.scheme.diff import SchemeDiff, UnitImpact
from zhengji.scheme.model import Scheme

__all__ = [
    "demo_robustness_sentence",
    "diagnostics_json",
    "diff_json",
    "not_robust_sentence",
    "render_analysis_html",
    "sensitivity_json",
    "uncertainty_json",
    "write_analysis",
]


def _num(x: Any, digits: int = 6) -> float | None:
    if x is None:
        return None
    f = float(x)
    return round(f, digits) if math.isfinite(f) else None


def _label() -> str:
    from zhengji.demo import SYNTHETIC_LABEL

    return SYNTHETIC_LABEL


# --- uncertainty ---------------------------------------------------------------------------------
def not_robust_sentence(res: UncertaintyResult) -> str:
    """One Chinese sentence naming the least robust adjacent pair (or saying all are robust)."""
    head = f"{_label()}：" if res.synthetic else ""
    R = res.replications
    bad = res.not_robust()
    if not bad:
        return (
            f"{head}在 {R} 次方法组合模拟中，相邻单位的先后顺序都稳健"
            f"（一致率不低于 {res.robust_share:.0%}）。"
        )
    p = min(bad, key=lambda x: abs(x.p_ahead - 0.5))
    name = dict(zip(res.unit_ids, res.unit_names, strict=True))
    rank = dict(zip(res.unit_ids, res.nominal_rank.tolist(), strict=True))
    return (
        f"{head}在 {R} 次方法组合（{_factor_words(res)}）模拟中，{name[p.ahead]}（名义第 "
        f"{rank[p.ahead]} 名）只有 {p.p_ahead:.0%} 的情形排在{name[p.behind]}（名义第 "
        f"{rank[p.behind]} 名）之前：两者的先后顺序不稳健，应视为统计上并列，"
        "不宜据此区分优劣。"
    )


def _factor_words(res: UncertaintyResult) -> str:
    return "、".join(FACTOR_LABELS[f.name][0] for f in res.factors)


def demo_robustness_sentence(bundle: str | Path) -> str:
    """Run the bundle's ``[uncertainty]`` analysis and return :func:`not_robust_sentence`."""
    from zhengji.bundle import load_bundle
    from zhengji.engine.uncertainty import run_uncertainty

    b = load_bundle(bundle)
    return not_robust_sentence(run_uncertainty(b.scheme, b.panel))


def uncertainty_json(res: UncertaintyResult) -> dict[str, Any]:
    names = dict(zip(res.unit_ids, res.unit_names, strict=True))
    order = sorted(
        range(len(res.unit_ids)), key=lambda u: (res.nominal_rank[u] == 0, res.nominal_rank[u])
    )
    units = []
    for u in order:
        units.append(
            {
                "unit_id": res.unit_ids[u],
                "name": res.unit_names[u],
                "category": res.categories[u],
                "nominal_score": _num(res.nominal_score[u]),
                "nominal_rank": int(res.nominal_rank[u]) or None,
                "nominal_grade": res.nominal_grade[u],
                "median_rank": _num(res.median_rank[u]),
                "rank_low": _num(res.rank_low[u]),
                "rank_high": _num(res.rank_high[u]),
                "mean_score": _num(res.mean_score[u]),
                "score_low": _num(res.score_low[u]),
                "score_high": _num(res.score_high[u]),
                "grade_prob": {
                    g: _num(res.grade_prob[u, k], 4) for k, g in enumerate(res.grade_names)
                },
            }
        )
    return {
        "kind": "uncertainty",
        "scheme_id": res.scheme_id,
        "period": res.period,
        "replications": res.replications,
        "seed": res.seed,
        "robust_share": res.robust_share,
        "synthetic": res.synthetic,
        "label": _label() if res.synthetic else None,
        "factors": [
            {"name": f.name, "label": f.label, "options": len(f.options)} for f in res.factors
        ],
        "grades": list(res.grade_names),
        "units": units,
        "pairs": [
            {
                "ahead": p.ahead,
                "behind": p.behind,
                "ahead_name": names[p.ahead],
                "behind_name": names[p.behind],
                "p_ahead": _num(p.p_ahead, 4),
                "robust": p.robust,
            }
            for p in res.pairs
        ],
        "tied_groups": [list(g) for g in res.tied_groups],
        "tied_group_names": [[names[u] for u in g] for g in res.tied_groups],
        "rank_shift": {
            "mean": _num(np.mean(res.rank_shift)) if res.replications else None,
            "p95": _num(np.quantile(res.rank_shift, 0.95)) if res.replications else None,
        },
        "sentence_zh": not_robust_sentence(res),
    }


# --- sensitivity ---------------------------------------------------------------------------------
def _indices(ix: SobolIndices, j: int | None = None) -> dict[str, list[float | None]]:
    def col(a: np.ndarray) -> list[float | None]:
        v = a if j is None else a[:, j]
        return [_num(x, 4) for x in v.tolist()]

    return {
        "S1": col(ix.S1),
        "ST": col(ix.ST),
        "S1_conf": col(ix.S1_conf),
        "ST_conf": col(ix.ST_conf),
    }


def sensitivity_json(res: SensitivityResult) -> dict[str, Any]:
    return {
        "kind": "sensitivity",
        "scheme_id": res.scheme_id,
        "period": res.period,
        "samples": res.samples,
        "runs": res.runs,
        "seed": res.seed,
        "synthetic": res.synthetic,
        "label": _label() if res.synthetic else None,
        "factors": [{"name": f.name, "label": f.label} for f in res.factors],
        "rank_shift": _indices(res.rank_shift),
        "units": [
            {"unit_id": u, "name": res.unit_names[j], **_indices(res.unit_scores, j)}
            for j, u in enumerate(res.unit_ids)
        ],
        "remove_one": [
            {
                "pillar": r.pillar_id,
                "parent": r.parent_id,
                "mean_abs_rank_change": _num(r.mean_abs_rank_change, 4),
                "max_abs_rank_change": r.max_abs_rank_change,
            }
            for r in res.remove_one
        ],
    }


# --- diagnostics ---------------------------------------------------------------------------------
def _matrix(a: np.ndarray) -> list[list[float | None]]:
    return [[_num(x, 4) for x in row] for row in np.asarray(a).tolist()]


def diagnostics_json(d: Diagnostics) -> dict[str, Any]:
    return {
        "kind": "diagnostics",
        "scheme_id": d.scheme_id,
        "period": d.period,
        "synthetic": d.synthetic,
        "label": _label() if d.synthetic else None,
        "effective_weights": [
            {
                "id": e.id,
                "level": e.level,
                "parent": e.parent,
                "nominal": _num(e.nominal, 4),
                "main_effect": _num(e.main_effect, 4),
                "share": _num(e.share, 4),
                "suggested": _num(e.suggested, 4),
            }
            for e in d.effective
        ],
        "pillars": [
            {
                "pillar": p.pillar,
                "indicators": list(p.indicators),
                "correlations": _matrix(p.correlations),
                "cronbach_alpha": _num(p.alpha, 4),
                "eigenvalues": [_num(x, 4) for x in p.eigenvalues.tolist()],
                "first_component_share": _num(p.eigenvalues[0] / p.eigenvalues.sum(), 4)
                if p.eigenvalues.size
                else None,
                "first_loadings": [_num(x, 4) for x in p.first_loadings.tolist()],
                "with_pillar": [_num(x, 4) for x in p.with_pillar.tolist()],
                "with_index": [_num(x, 4) for x in p.with_index.tolist()],
            }
            for p in d.pillars
        ],
        "flags": [{"a": f.a, "b": f.b, "r": _num(f.r, 4), "kind": f.kind} for f in d.flags],
        "levels": {"ids": [*d.pillar_ids, "index"], "correlations": _matrix(d.pillar_correlations)},
        "gaming": [
            {
                "indicator": g.indicator,
                "unit_id": g.unit_id,
                "kind": g.kind,
                "summary_zh": g.summary_zh,
                "summary_en": g.summary_en,
                "value": _num(g.value, 6),
            }
            for g in d.gaming
        ],
    }


# --- scheme diff ---------------------------------------------------------------------------------
def _plain(x: Any) -> Any:
    return json.loads(json.dumps(x, ensure_ascii=False, default=str))


def diff_json(diff: SchemeDiff, impact: Sequence[UnitImpact] | None = None) -> dict[str, Any]:
    def rows(changes: Sequence[Any]) -> list[dict[str, Any]]:
        return [
            {"kind": c.kind, "path": c.path, "old": _plain(c.old), "new": _plain(c.new)}
            for c in changes
        ]

    out: dict[str, Any] = {
        "kind": "scheme_diff",
        "a": diff.a,
        "b": diff.b,
        "indicators": rows(diff.indicators),
        "pillars": rows(diff.pillars),
        "weights": rows(diff.weights),
        "methods": rows(diff.methods),
        "other": rows(diff.other),
    }
    if impact is not None:
        out["impact"] = [
            {
                "unit_id": i.unit_id,
                "name": i.unit_name,
                "score_a": _num(i.score_a),
                "score_b": _num(i.score_b),
                "rank_a": i.rank_a or None,
                "rank_b": i.rank_b or None,
                "rank_change": i.rank_change,
                "grade_a": i.grade_a,
                "grade_b": i.grade_b,
            }
            for i in impact
        ]
    return out


# --- charts (inline SVG geometry; the template only draws) ---------------------------------------
def _heat(r: float | None) -> str:
    """Diverging colour: blue (−1) – white (0) – red (+1); grey for undefined."""
    if r is None:
        return "#d0d7de"
    t = max(-1.0, min(1.0, r))
    if t >= 0:
        g = int(255 - 180 * t)
        return f"rgb(255,{g},{g})"
    g = int(255 + 180 * t)
    return f"rgb({g},{g},255)"


def _heatmap(ids: Sequence[str], C: list[list[float | None]]) -> dict[str, Any]:
    cell = 26
    left = 150
    return {
        "width": left + cell * len(ids) + 10,
        "height": 110 + cell * len(ids),
        "labels": [
            {"text": i, "y": 110 + cell * k + 17, "x": left - 4, "tx": left + cell * k + 17}
            for k, i in enumerate(ids)
        ],
        "cells": [
            {
                "x": left + cell * j,
                "y": 110 + cell * i,
                "size": cell - 1,
                "fill": _heat(C[i][j]),
                "text": "" if C[i][j] is None else f"{C[i][j]:.1f}",
            }
            for i in range(len(ids))
            for j in range(len(ids))
        ],
    }


def _interval_chart(u: Mapping[str, Any]) -> dict[str, Any]:
    units = [x for x in u["units"] if x["nominal_rank"]]
    n = max(len(units), 1)
    left, width, row = 170, 520, 22

    def x(r: float) -> float:
        return left + (r - 1) / max(n - 1, 1) * width

    rows = []
    for k, v in enumerate(units):
        y = 30 + k * row
        rows.append(
            {
                "name": v["name"],
                "y": y,
                "x1": x(v["rank_low"]),
                "x2": x(v["rank_high"]),
                "xm": x(v["median_rank"]),
                "xn": x(v["nominal_rank"]),
                "text": f"{v['nominal_rank']} · {v['median_rank']:g} "
                f"[{v['rank_low']:g}–{v['rank_high']:g}]",
            }
        )
    ticks = sorted({1, n, *range(1, n + 1, max(1, n // 10))})
    return {
        "width": left + width + 190,
        "height": 40 + n * row,
        "rows": rows,
        "ticks": [{"x": x(t), "text": str(t)} for t in ticks],
        "axis_y": 30 + n * row - 8,
    }


def _sobol_chart(s: Mapping[str, Any]) -> dict[str, Any]:
    left, width, row = 190, 420, 34
    bars = []
    for k in range(len(s["factors"])):
        y = 20 + k * row
        for m, key in enumerate(("S1", "ST")):
            v = s["rank_shift"][key][k]
            c = s["rank_shift"][f"{key}_conf"][k]
            val = 0.0 if v is None else max(0.0, min(1.0, v))
            bars.append(
                {
                    "x": left,
                    "y": y + m * 13,
                    "w": val * width,
                    "fill": "#2f6f9f" if key == "S1" else "#a4262c",
                    "c1": left + max(0.0, val - (c or 0.0)) * width,
                    "c2": left + min(1.0, val + (c or 0.0)) * width,
                    "text": "—" if v is None else f"{key} {v:.2f}",
                }
            )
    return {
        "width": left + width + 90,
        "height": 30 + len(s["factors"]) * row,
        "labels": [{"text": f["label"], "y": 30 + k * row} for k, f in enumerate(s["factors"])],
        "bars": bars,
        "ticks": [{"x": left + t * width, "text": f"{t:g}"} for t in (0, 0.25, 0.5, 0.75, 1)],
        "axis_y": 20 + len(s["factors"]) * row,
    }


def render_analysis_html(
    scheme: Scheme,
    uncertainty: Mapping[str, Any] | None = None,
    sensitivity: Mapping[str, Any] | None = None,
    diagnostics: Mapping[str, Any] | None = None,
) -> str:
    """One self-contained page with whichever analyses are given (their ``*_json`` dicts)."""
    from zhengji.report.html import _env

    parts = [p for p in (uncertainty, sensitivity, diagnostics) if p is not None]
    if not parts:
        raise ZhengjiError("没有可报告的分析 nothing to report: run at least one analysis")
    synthetic = any(p.get("synthetic") for p in parts)
    ctx: dict[str, Any] = {
        "scheme": scheme,
        "synthetic": synthetic,
        "synthetic_label": _label(),
        "period": parts[0]["period"],
        "u": uncertainty,
        "s": sensitivity,
        "d": diagnostics,
        "interval": _interval_chart(uncertainty) if uncertainty else None,
        "sobol": _sobol_chart(sensitivity) if sensitivity else None,
        "heatmaps": [
            {"pillar": p["pillar"], **_heatmap(p["indicators"], p["correlations"])}
            for p in (diagnostics or {}).get("pillars", [])
        ],
        "level_heatmap": _heatmap(
            diagnostics["levels"]["ids"], diagnostics["levels"]["correlations"]
        )
        if diagnostics
        else None,
    }
    return _env().get_template("analysis.html").render(**ctx)


def _xlsx(path: Path, parts: Mapping[str, Mapping[str, Any]]) -> Path:
    from openpyxl import Workbook

    from zhengji.report.xlsx import _table

    synthetic = any(p.get("synthetic") for p in parts.values())
    label = _label() if synthetic else None
    wb = Workbook()
    wb.remove(wb.active)
    u = parts.get("uncertainty")
    if u:
        grades = u["grades"]
        _table(
            wb,
            "排名区间 rank intervals",
            [
                "单位 unit_id",
                "名称 name",
                "名义得分 score",
                "名义排名 rank",
                "名义等次 grade",
                "中位排名 median",
                "5%",
                "95%",
                *[f"P({g})" for g in grades],
            ],
            [
                [
                    x["unit_id"],
                    x["name"],
                    x["nominal_score"],
                    x["nominal_rank"],
                    x["nominal_grade"],
                    x["median_rank"],
                    x["rank_low"],
                    x["rank_high"],
                    *[x["grade_prob"][g] for g in grades],
                ]
                for x in u["units"]
            ],
            label,
        )
        _table(
            wb,
            "相邻排序 pairs",
            ["在前 ahead", "在后 behind", "保持概率 p_ahead", "稳健 robust"],
            [
                [p["ahead"], p["behind"], p["p_ahead"], "是 yes" if p["robust"] else "否 no"]
                for p in u["pairs"]
            ],
            label,
        )
    s = parts.get("sensitivity")
    if s:
        r = s["rank_shift"]
        _table(
            wb,
            "敏感性 Sobol",
            ["因素 factor", "S1", "S1 ±", "ST", "ST ±"],
            [
                [f["label"], r["S1"][k], r["S1_conf"][k], r["ST"][k], r["ST_conf"][k]]
                for k, f in enumerate(s["factors"])
            ],
            label,
        )
        _table(
            wb,
            "剔除维度 remove one",
            ["维度 pillar", "上级 parent", "平均排名变化 mean |Δrank|", "最大 max"],
            [
                [x["pillar"], x["parent"], x["mean_abs_rank_change"], x["max_abs_rank_change"]]
                for x in s["remove_one"]
            ],
            label,
        )
    d = parts.get("diagnostics")
    if d:
        _table(
            wb,
            "有效权重 effective weights",
            [
                "编号 id",
                "层级 level",
                "上级 parent",
                "名义权重 nominal",
                "主效应 S_i",
                "占比 share",
                "建议 suggested",
            ],
            [
                [
                    e["id"],
                    e["level"],
                    e["parent"],
                    e["nominal"],
                    e["main_effect"],
                    e["share"],
                    e["suggested"],
                ]
                for e in d["effective_weights"]
            ],
            label,
        )
        _table(
            wb,
            "冗余 redundancy",
            ["维度 pillar", "Cronbach α", "第一主成分占比 PC1 share", "指标 indicators"],
            [
                [p["pillar"], p["cronbach_alpha"], p["first_component_share"], p["indicators"]]
                for p in d["pillars"]
            ],
            label,
        )
        _table(
            wb,
            "相关性提示 flags",
            ["指标 a", "指标 b", "r", "类型 kind"],
            [[f["a"], f["b"], f["r"], f["kind"]] for f in d["flags"]],
            label,
        )
        _table(
            wb,
            "博弈迹象 gaming",
            ["指标 indicator", "单位 unit", "类型 kind", "说明 summary"],
            [[g["indicator"], g["unit_id"], g["kind"], g["summary_zh"]] for g in d["gaming"]],
            label,
        )
    wb.save(path)
    return path


def write_analysis(
    path: str | Path,
    scheme: Scheme,
    *,
    uncertainty: Mapping[str, Any] | None = None,
    sensitivity: Mapping[str, Any] | None = None,
    diagnostics: Mapping[str, Any] | None = None,
) -> Path:
    """Write ``.json``, ``.html`` or ``.xlsx`` by the file's suffix; returns the path."""
    p = Path(path)
    parts = {
        k: v
        for k, v in (
            ("uncertainty", uncertainty),
            ("sensitivity", sensitivity),
            ("diagnostics", diagnostics),
        )
        if v is not None
    }
    suffix = p.suffix.lower()
    if suffix == ".json":
        p.write_text(json.dumps(parts, ensure_ascii=False, indent=1), encoding="utf-8")
    elif suffix in (".html", ".htm"):
        p.write_text(
            render_analysis_html(scheme, uncertainty, sensitivity, diagnostics), encoding="utf-8"
        )
    elif suffix == ".xlsx":
        _xlsx(p, parts)
    else:
        raise ZhengjiError(
            f"不支持的输出格式 unsupported output '{p.name}': use .json, .html or .xlsx"
        )
    return p
