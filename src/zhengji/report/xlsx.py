"""The assessment as an Excel workbook (openpyxl): one sheet per table, bilingual headers.

Row 1 of every table sheet is its header, so the sheets can be read back by machines; the
synthetic label sits in a last column of every row, in the page header of every sheet and on
the About sheet.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from zhengji.bundle.write import exact_floats
from zhengji.engine.result import Assessment
from zhengji.report.labels import bilingual, category_name, node_name
from zhengji.report.tabular import (
    categories_present,
    ranking_columns,
    ranking_rows,
    scheme_tree_rows,
    treatment_rows,
    veto_rows,
)
from zhengji.scheme.model import Scheme

__all__ = ["SHEET_NAMES", "stage_sheet_name", "write_xlsx"]

SHEET_NAMES = {
    "ranking": "排名 Ranking",
    "contributions": "贡献 Contributions",
    "treatments": "处理记录 Treatments",
    "vetoes": "否决 Vetoes",
    "scheme": "方案 Scheme",
    "about": "说明 About",
}
_HEAD_FONT = Font(bold=True)
_HEAD_FILL = PatternFill("solid", fgColor="F3F5F7")


def stage_sheet_name(stage: str) -> str:
    """Sheet title of one stage, e.g. ``各阶段 normalised`` (Excel allows 31 characters)."""
    return f"各阶段 {stage}"[:31]


def _cell(v: Any) -> Any:
    if isinstance(v, float | np.floating):
        return None if np.isnan(v) else float(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, list | tuple):
        return "、".join(str(x) for x in v)
    return v


def _table(
    wb: Workbook,
    title: str,
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    label: str | None,
) -> None:
    ws = wb.create_sheet(title)
    # Synthetic data says so on screen too, in a last column of every row (as the CSV does).
    tail = [label] if label else []
    ws.append([*header, *(["数据性质 data"] if label else [])])
    for c in ws[1]:
        c.font, c.fill = _HEAD_FONT, _HEAD_FILL
    for r in rows:
        ws.append([*(_cell(v) for v in r), *tail])
    if label:
        ws.sheet_properties.tabColor = "FFC000"
    ws.freeze_panes = "B2" if len(header) > 1 else "A2"
    for j, h in enumerate(header, start=1):
        ws.column_dimensions[get_column_letter(j)].width = max(10, min(40, len(str(h)) * 1.6))
    if label:
        ws.oddHeader.center.text = label
        ws.oddFooter.center.text = label


def write_xlsx(assessment: Assessment, scheme: Scheme, path: str | Path) -> Path:
    """Write the workbook and return ``path``."""
    from zhengji.demo import SYNTHETIC_LABEL

    a = assessment
    label = SYNTHETIC_LABEL if a.synthetic else None
    wb = Workbook()
    wb.remove(wb.active)
    rows = ranking_rows(a, scheme)
    cols = ["unit_id", *(k for k, _ in ranking_columns(a)), "grade_before_veto", "availability"]
    heads = [bilingual(_label_key(k)) for k in cols]
    _table(wb, SHEET_NAMES["ranking"], heads, [[r[k] for k in cols] for r in rows], label)

    order = [int(u) for u in a.order()]
    ind_heads = [f"{node_name(scheme, i)} {i}" for i in a.indicator_ids]
    unit_head = [bilingual("unit_id"), bilingual("unit")]
    _table(
        wb,
        SHEET_NAMES["contributions"],
        [*unit_head, bilingual("score"), *ind_heads],
        [[a.unit_ids[u], a.unit_names[u], a.score[u], *a.contributions[u]] for u in order],
        label,
    )
    for stage, arr in a.stages.items():
        _table(
            wb,
            stage_sheet_name(stage),
            [*unit_head, *ind_heads],
            [[a.unit_ids[u], a.unit_names[u], *np.asarray(arr)[u]] for u in order],
            label,
        )

    tr = treatment_rows(a, scheme)
    _table(
        wb,
        SHEET_NAMES["treatments"],
        [
            "指标代码 indicator_id",
            bilingual("indicator"),
            bilingual("action"),
            bilingual("units"),
            bilingual("detail"),
        ],
        [
            [t["indicator_id"], t["indicator"], t["action_name"], t["units"], t["detail"]]
            for t in tr
        ],
        label,
    )
    vr = veto_rows(a, scheme)
    _table(
        wb,
        SHEET_NAMES["vetoes"],
        [
            bilingual("unit_id"),
            bilingual("unit"),
            "否决代码 veto_id",
            bilingual("veto"),
            bilingual("reason"),
            bilingual("grade_before"),
            bilingual("grade_after"),
        ],
        [
            [
                v["unit_id"],
                v["name"],
                v["veto_id"],
                v["veto_name"],
                v["reason"],
                v["grade_before"],
                v["grade_after"],
            ]
            for v in vr
        ],
        label,
    )
    _scheme_sheet(wb, a, scheme, label)
    _about_sheet(wb, a, scheme, label)
    p = Path(path)
    with exact_floats():
        wb.save(p)
    return p


def _label_key(key: str) -> str:
    if key.startswith("source:"):
        return key.removeprefix("source:")
    return {"name": "unit", "category_name": "category", "grade_before_veto": "grade_before"}.get(
        key, key
    )


def _scheme_sheet(wb: Workbook, a: Assessment, scheme: Scheme, label: str | None) -> None:
    """The indicator table with the effective weight per category (as a share, 0–1)."""
    cats = categories_present(a, scheme)
    tree = {r["id"]: r for r in scheme_tree_rows(a, scheme)}
    head = [
        "指标代码 indicator_id",
        bilingual("indicator"),
        "英文名 name_en",
        "上级 parent",
        "计量单位 unit",
        bilingual("direction"),
        bilingual("kind"),
        bilingual("source"),
        bilingual("declared"),
        "标准化 normalisation",
        "考察期 horizon",
        "分母 denominator",
        "适用类别 categories",
    ]
    head += [f"{category_name(scheme, c)} {bilingual('weight')}" for c in cats]
    rows = []
    for ind in scheme.indicators:
        norm = ind.normalisation or scheme.treatment.normalisation
        horizon = f"{ind.horizon.mode}({ind.horizon.periods})" if ind.horizon else "level"
        row: list[Any] = [
            ind.id,
            ind.name,
            ind.name_en,
            ind.parent,
            ind.unit,
            ind.direction,
            ind.kind,
            ind.source,
            tree[ind.id]["declared"] if ind.id in tree else f"{ind.weight:g}",
            norm.method,
            horizon,
            ind.denominator or "",
            "、".join(ind.categories) if ind.categories else "*",
        ]
        row += [tree[ind.id]["effective"][c] if ind.id in tree else None for c in cats]
        rows.append(row)
    _table(wb, SHEET_NAMES["scheme"], head, rows, label)


def _about_sheet(wb: Workbook, a: Assessment, scheme: Scheme, label: str | None) -> None:
    rows: list[list[Any]] = []
    if label:
        rows.append(["数据性质 data", label])
    rows += [
        ["方案名称 scheme name", scheme.name],
        ["方案 scheme id", a.scheme_id],
        [bilingual("version"), a.scheme_version],
        [bilingual("fingerprint"), a.scheme_fingerprint],
        [bilingual("period"), a.period],
        ["单位数 units", len(a.unit_ids)],
        ["指标数 indicators", len(a.indicator_ids)],
        ["未评单位 screened out", "、".join(a.screened_out) or "—"],
        ["生成 generated by", "zhengji"],
    ]
    _table(wb, SHEET_NAMES["about"], ["项目 item", "内容 value"], rows, label)
