"""A small hand-built assessment, so renderer tests do not depend on the engine's numbers."""

from __future__ import annotations

import numpy as np
import pytest

from zhengji.engine.result import Assessment, TreatmentRecord, VetoRecord
from zhengji.scheme import parse_scheme
from zhengji.scheme.model import Scheme

SCHEME_TOML = """
[scheme]
id = "tiny"
name = "小方案（示例）"
name_en = "Tiny scheme"
version = "3"
synthetic = true

[[pillars]]
id = "econ"
name = "经济"
name_en = "Economy"
parent = "index"
weight = 0.6

[[pillars]]
id = "people"
name = "民生"
name_en = "People"
parent = "index"
weight = 0.4

[[indicators]]
id = "gdp"
name = "地区生产总值增速"
name_en = "GDP growth"
parent = "econ"
unit = "%"

[[indicators]]
id = "rd"
name = "研发投入强度"
name_en = "R&D intensity"
parent = "econ"
kind = "latent"

[[indicators]]
id = "income"
name = "居民收入"
name_en = "Income"
parent = "people"

[[indicators]]
id = "survey"
name = "群众满意度"
name_en = "Survey"
parent = "people"
source = "mass_evaluation"

[[categories]]
id = "a"
name = "甲类"
name_en = "Type A"

[[categories]]
id = "b"
name = "乙类"
name_en = "Type B"
exclude = ["gdp"]

[[vetoes]]
id = "falsification"
name = "数据造假"
cap = "较差"
"""

NAN = np.nan


@pytest.fixture
def scheme() -> Scheme:
    return parse_scheme(SCHEME_TOML)


@pytest.fixture
def assessment() -> Assessment:
    """Four units: u3 (b) has the best score, u4 was screened out, u2 was vetoed."""
    norm = np.array(
        [
            [80.0, 60.0, 70.0, 50.0],
            [40.0, 90.0, 50.0, 60.0],
            [NAN, 70.0, 90.0, 80.0],
            [NAN, NAN, NAN, NAN],
        ]
    )
    weights = np.array(
        [
            [0.3, 0.3, 0.2, 0.2],
            [0.3, 0.3, 0.2, 0.2],
            [0.0, 0.6, 0.2, 0.2],
            [0.0, 0.6, 0.2, 0.2],
        ]
    )
    contributions = np.nan_to_num(norm) * weights
    contributions[3] = NAN
    score = contributions.sum(axis=1)
    econ = np.array([70.0, 65.0, 70.0, NAN])
    people = np.array([60.0, 55.0, 85.0, NAN])
    raw = np.array(
        [[7.1, 1.2, 15000, 88], [5.0, 1.9, 13000, 90], [NAN, 1.5, 17000, 93], [NAN, NAN, NAN, NAN]],
        dtype=np.float64,
    )
    return Assessment(
        scheme_id="tiny",
        scheme_version="3",
        scheme_fingerprint="f" * 64,
        period="2025",
        unit_ids=("u1", "u2", "u3", "u4"),
        unit_names=("甲县", "乙县", "丙县<b>", "丁县"),
        categories=("a", "a", "b", "b"),
        indicator_ids=("gdp", "rd", "income", "survey"),
        score=score,
        rank=np.array([2, 3, 1, 0]),
        rank_in_category=np.array([1, 2, 1, 0]),
        grade=("良好", "较差", "优秀", ""),
        grade_before_veto=("良好", "一般", "优秀", ""),
        node_scores={"index": score, "econ": econ, "people": people},
        visible=np.array([65.0, 48.0, 85.0, NAN]),
        latent=np.array([60.0, 90.0, 70.0, NAN]),
        by_source={
            "statistics": np.array([66.0, 58.0, 78.0, NAN]),
            "mass_evaluation": np.array([50.0, 60.0, 80.0, NAN]),
        },
        contributions=contributions,
        weights=weights,
        stages={"raw": raw, "normalised": norm},
        availability=np.array([1.0, 1.0, 1.0, 0.25]),
        screened_out=("u4",),
        treatments=(
            TreatmentRecord("rd", "imputed", ("u2",), "carry_forward"),
            TreatmentRecord("*", "screened_out", ("u4",), "availability below 60%"),
        ),
        vetoes=(VetoRecord("u2", "falsification", "数据造假", "虚报（模拟）", "一般", "较差"),),
        node_weights={
            "index": np.array([[0.6, 0.4]] * 4),
            "econ": np.array([[0.5, 0.5], [0.5, 0.5], [0.0, 1.0], [0.0, 1.0]]),
            "people": np.array([[0.5, 0.5]] * 4),
        },
        synthetic=True,
    )
