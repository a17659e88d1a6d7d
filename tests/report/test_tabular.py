"""Rows shared by the renderers, the CSV table and the JSON twin."""

from __future__ import annotations

import csv
import dataclasses
import json
from pathlib import Path

from zhengji.demo import SYNTHETIC_LABEL
from zhengji.engine.result import Assessment
from zhengji.report import ranking_columns, ranking_rows, to_json, write_csv, write_json
from zhengji.report.tabular import scheme_tree_rows, unit_detail
from zhengji.scheme.model import Scheme


def test_ranking_rows_best_first_and_screened_out_last(
    assessment: Assessment, scheme: Scheme
) -> None:
    rows = ranking_rows(assessment, scheme)
    assert [r["unit_id"] for r in rows] == ["u3", "u1", "u2", "u4"]
    assert [r["rank"] for r in rows] == [1, 2, 3, None]
    assert rows[-1]["screened_out"] and rows[-1]["score"] is None
    assert rows[0]["category_name"] == "乙类"
    assert ranking_rows(assessment, scheme, lang="en")[0]["category_name"] == "Type B"
    assert [r["vetoed"] for r in rows] == [False, False, True, False]
    assert rows[0]["source:mass_evaluation"] == 80.0
    keys = [k for k, _ in ranking_columns(assessment)]
    assert keys[-2:] == ["source:statistics", "source:mass_evaluation"]
    assert all(set(keys) <= set(r) for r in rows)


def test_to_json_is_strict_json(assessment: Assessment) -> None:
    doc = to_json(assessment)
    text = json.dumps(doc, allow_nan=False, ensure_ascii=False)
    back = json.loads(text)
    assert back["label"] == SYNTHETIC_LABEL
    assert back["score"][3] is None
    assert back["stages"]["raw"][2][0] is None
    assert back["treatments"][0] == {
        "indicator_id": "rd",
        "action": "imputed",
        "unit_ids": ["u2"],
        "detail": "carry_forward",
    }
    assert back["vetoes"][0]["grade_after"] == "较差"
    assert back["node_weights"]["econ"][2] == [0.0, 1.0]
    real = to_json(dataclasses.replace(assessment, synthetic=False))
    assert "label" not in real and real["synthetic"] is False


def test_write_csv_has_bilingual_header_and_label(
    assessment: Assessment, scheme: Scheme, tmp_path: Path
) -> None:
    p = write_csv(assessment, scheme, tmp_path / "r.csv")
    raw = p.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel then reads UTF-8 Chinese correctly
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0][:3] == ["单位代码 Unit id", "排名 Rank", "类内排名 Rank in category"]
    assert len(rows) == 1 + 4
    assert rows[1][0] == "u3" and rows[1][-1] == SYNTHETIC_LABEL
    assert rows[4][1] == ""  # screened out: no rank


def test_write_json_adds_scheme_and_ranking(
    assessment: Assessment, scheme: Scheme, tmp_path: Path
) -> None:
    doc = json.loads(write_json(assessment, scheme, tmp_path / "r.json").read_text("utf-8"))
    assert doc["scheme"]["name"] == "小方案（示例）"
    assert [r["unit_id"] for r in doc["ranking"]] == ["u3", "u1", "u2", "u4"]


def test_unit_detail_orders_contributions(assessment: Assessment, scheme: Scheme) -> None:
    d = unit_detail(assessment, scheme, "u3")
    assert [c["id"] for c in d["contributions"]] == ["rd", "income", "survey"]
    assert d["contributions"][0]["pct"] == 100.0
    assert d["contributions"][0]["contribution"] == 42.0  # 70 × 0.6
    assert [p["id"] for p in d["pillars"]] == ["econ", "people"]
    u2 = unit_detail(assessment, scheme, "u2")
    assert [t["action"] for t in u2["treatments"]] == ["imputed"]
    assert u2["vetoes"][0]["reason"] == "虚报（模拟）"


def test_scheme_tree_effective_weights(assessment: Assessment, scheme: Scheme) -> None:
    tree = {r["id"]: r for r in scheme_tree_rows(assessment, scheme)}
    assert list(tree) == ["index", "econ", "gdp", "rd", "people", "income", "survey"]
    assert tree["econ"]["effective"] == {"a": 0.6, "b": 0.6}
    assert tree["gdp"]["effective"]["b"] == 0.0
    assert tree["rd"]["within"]["b"] == 1.0
    assert tree["gdp"]["declared"] == "1"
    assert tree["rd"]["kind"] == "latent" and tree["survey"]["source"] == "mass_evaluation"
