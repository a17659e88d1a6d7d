"""The scoring rulebook: the default is valid and reproduces the published Jiangkou example;
errors name the file, the line and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from zhengji.eco.rulebook import (
    benefit_for,
    default_rulebook,
    load_rulebook,
    parse_rulebook,
    tier_for,
)
from zhengji.errors import DataError


def test_default_rulebook_shape() -> None:
    rb = default_rulebook()
    assert len(rb.dimensions) == 5
    assert rb.total_cap == 500 and rb.tier_step == 50
    assert sum(d.cap for d in rb.dimensions) == 500
    # earning examples reported for the Jiangkou scheme (issue 8)
    assert rb.item("stove_electric").points == 5
    assert rb.item("certified_forest").points == 15
    assert rb.item("fruit_trees").points == 10
    assert rb.item("land_lease_eco").points == 6


def test_jiangkou_tier_example() -> None:
    """Reported example: 250 points → a ¥140k loan at 4.65 % instead of 5.5 %."""
    rb = default_rulebook()
    b = benefit_for(250, rb)
    assert (b.credit_limit, b.rate, rb.base_rate) == (140_000, 4.65, 5.5)
    assert tier_for(250, rb) == 5
    assert tier_for(249, rb) == 4
    assert tier_for(10_000, rb) == 10  # capped at 500
    assert benefit_for(49, rb).credit_limit == 0 and benefit_for(49, rb).rate == 5.5


def test_errors_name_file_line_and_key(tmp_path: Path) -> None:
    text = default_rulebook().toml
    bad = text.replace(
        'id = "fruit_trees"\ndimension = "eco_assets"',
        'id = "fruit_trees"\ndimension = "eco_nowhere"',
    )
    bad = bad.replace("points = 5\ncap = 5", "points = 5\ncap = 3")  # stove: cap below points
    f = tmp_path / "rb.toml"
    f.write_text(bad, encoding="utf-8")
    with pytest.raises(DataError) as ei:
        load_rulebook(f)
    probs = {(p[2], p[1]) for p in ei.value.problems}
    lines = bad.splitlines()
    dim_line = next(n + 1 for n, ln in enumerate(lines) if ln == 'dimension = "eco_nowhere"')
    assert ("items[1].dimension", dim_line) in probs
    stove = [p for p in ei.value.problems if p[2] == "items[6].cap"]
    assert stove and lines[stove[0][1] - 1] == "cap = 3"
    assert all(p[0] == str(f) for p in ei.value.problems)
    assert "rb.toml" in str(ei.value) and "items[1].dimension" in str(ei.value)


MINI = """id = "mini"
version = "1"
name = "小细则"
total_cap = 100
base_rate = 5.5
{dims}
[[items]]
id = "a"
dimension = "d1"
name = "甲"
points = 5
cap = 10
validity_years = 1
evidence = ["photo"]
"""


def test_five_dimensions_required_and_toml_syntax() -> None:
    dims = "".join(f'[[dimensions]]\nid = "d{k}"\nname = "维{k}"\ncap = 20\n' for k in range(1, 6))
    rb = parse_rulebook(MINI.format(dims=dims), "mini.toml")
    assert [d.id for d in rb.dimensions] == ["d1", "d2", "d3", "d4", "d5"]
    four = "".join(f'[[dimensions]]\nid = "d{k}"\nname = "维{k}"\ncap = 20\n' for k in range(1, 5))
    with pytest.raises(DataError, match="5 top-level"):
        parse_rulebook(MINI.format(dims=four), "mini.toml")
    with pytest.raises(DataError) as ei:
        parse_rulebook("id = \n", "broken.toml")
    assert ei.value.problems[0][1] == 1


def test_fingerprint_is_stable() -> None:
    a, b = default_rulebook(), default_rulebook()
    assert a.fingerprint == b.fingerprint and len(a.fingerprint) == 64
