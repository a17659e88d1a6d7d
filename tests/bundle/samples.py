"""Sample bundle texts shared by the loader tests (one pillar, two indicators, a denominator, a veto)."""

from __future__ import annotations

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
denominator = "pop"

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

CATEGORIES = """
[[categories]]
id = "urban"
name = "城区"

[[categories]]
id = "eco_zone"
name = "生态功能区"
"""

UNITS = """\
unit_id,name,parent_id,level,category,region
c1,甲县,,county,,north
c2,乙县,c1,county,,south
c3,丙县,,county,,north
"""

OBSERVATIONS = """\
unit_id,period,indicator_id,value,source,evidence
c1,2023,gdp,100.5,statistics,统计公报
c1,2024,gdp,110,statistics,
c2,2024,gdp, 1.2e2 ,statistics,
c3,2024,gdp,-3.5,statistics,
c1,2024,sat,80,mass_evaluation,
c2,2024,sat,.5,mass_evaluation,
c1,2024,pop,12.5,third_party,
"""

VETOES = """\
unit_id,period,veto_id,reason,evidence
c2,2024,fraud,统计数据造假,督查通报〔2024〕1号
"""
