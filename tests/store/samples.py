"""A tiny bundle for the store tests, written with ``zhengji.bundle.write_bundle``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from zhengji.bundle import Bundle, load_bundle, write_bundle
from zhengji.engine.panel import VetoEvent

SCHEME = """\
[scheme]
id = "t"
name = "测试"

[[pillars]]
id = "eco"
name = "经济"
parent = "index"

[[indicators]]
id = "gdp"
name = "GDP"
parent = "eco"

[[indicators]]
id = "sat"
name = "群众满意度"
parent = "eco"
source = "mass_evaluation"

[[denominators]]
id = "pop"
name = "人口"

[[vetoes]]
id = "fraud"
name = "数据造假"
cap = "一般"
"""

UNITS: list[dict[str, Any]] = [
    {"unit_id": "c1", "name": "甲县", "level": "county", "region": "north"},
    {"unit_id": "c2", "name": "乙县", "parent_id": "c1", "level": "county", "region": "south"},
    {"unit_id": "c3", "name": "丙县", "level": "county", "region": "north"},
]


def observations(**changes: float) -> list[dict[str, Any]]:
    """Two years of data; ``c2_gdp_2024=1.5`` replaces one value."""
    rows: list[dict[str, Any]] = []
    for year in ("2023", "2024"):
        for k, uid in enumerate(["c1", "c2", "c3"]):
            gdp = 100.0 + 10 * k + (year == "2024") * 0.1
            rows.append(
                {
                    "unit_id": uid,
                    "period": year,
                    "indicator_id": "gdp",
                    "value": changes.get(f"{uid}_gdp_{year}", gdp),
                    "source": "statistics",
                    "evidence": f"公报{year}",
                }
            )
            if uid != "c3":
                rows.append(
                    {
                        "unit_id": uid,
                        "period": year,
                        "indicator_id": "sat",
                        "value": 70.0 + k / 3,
                        "source": "mass_evaluation",
                    }
                )
    rows.append(
        {
            "unit_id": "c1",
            "period": "2024",
            "indicator_id": "pop",
            "value": 12.5,
            "source": "third_party",
        }
    )
    return rows


def make_bundle(
    directory: Path,
    units: list[dict[str, Any]] | None = None,
    scheme: str = SCHEME,
    **changes: float,
) -> Bundle:
    write_bundle(
        directory,
        units if units is not None else UNITS,
        observations(**changes),
        scheme,
        vetoes=[VetoEvent("c2", "2024", "fraud", "统计造假", "通报")],
    )
    return load_bundle(directory)
