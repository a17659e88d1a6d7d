"""The scoring rulebook: the default is valid and reproduces the published Jiangkou example;
errors name the file, the line and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from zhengji.eco.rulebook import (
    benefit_for,
    default_rulebook,
    format_warning,
    load_rulebook,
    parse_rulebook,
    rulebook_warnings,
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


def _line(text: str, start: str, exact: str) -> int:
    """1-based number of the first line equal to ``exact`` after the line ``start``."""
    lines = text.splitlines()
    i = lines.index(start)
    return 1 + i + lines[i:].index(exact)


def test_benefit_rate_above_base_rate_is_refused(tmp_path: Path) -> None:
    """A benefit is a loan-rate discount: 6.0 % against a base of 5.5 % would raise the rate."""
    text = default_rulebook().toml
    first = "min_points = 50\ncredit_limit = 30000\nrate = 5.35"
    bad = text.replace(first, first.replace("5.35", "6.0"))
    assert bad != text
    f = tmp_path / "surcharge.toml"
    f.write_text(bad, encoding="utf-8")
    with pytest.raises(DataError) as ei:
        load_rulebook(f)
    (prob,) = ei.value.problems
    assert prob[0] == str(f) and prob[2] == "benefits[0].rate"
    assert prob[1] == _line(bad, "min_points = 50", "rate = 6.0")
    assert "6.0" in prob[3] and "5.5" in prob[3]
    same = text.replace("rate = 5.35", "rate = 5.5")  # no discount, only a credit limit: fine
    assert parse_rulebook(same).benefits[0].rate == 5.5


def test_default_rulebook_has_no_warnings() -> None:
    """Every built-in item cap is a whole number of awards (42 at 10 points never was)."""
    rb = default_rulebook()
    assert rulebook_warnings(rb) == []
    assert all(i.cap % i.points == 0 for i in rb.items)
    assert (rb.item("eco_tourism").cap, rb.item("courtyard_green").cap) == (40, 48)


def test_cap_not_a_multiple_of_points_warns() -> None:
    """Awards are whole and the database refuses one that would pass the cap, so a cap of 42 at
    10 points stops at 40: valid, but the warning names the file, line, key and the cap in
    force."""
    text = default_rulebook().toml
    tour_40 = 'points = 10\ncap = 40\nmode = "annual"'  # fruit_trees (10, 40) is an event
    odd = text.replace(tour_40, tour_40.replace("40", "42"))
    odd = odd.replace("points = 4\ncap = 48", "points = 4\ncap = 51")
    assert odd.count("cap = 42") == 1 and odd.count("cap = 51") == 1
    rb = parse_rulebook(odd, "odd.toml")  # still valid
    assert rb.item("eco_tourism").cap == 42 and rb.item("eco_tourism").cap_in_force == 40
    warns = {w[2]: w for w in rulebook_warnings(rb)}
    idx = {i.id: n for n, i in enumerate(rb.items)}
    tour = warns.pop(f"items[{idx['eco_tourism']}].cap")
    yard = warns.pop(f"items[{idx['courtyard_green']}].cap")
    assert warns == {}
    assert tour[0] == "odd.toml" and tour[1] == _line(odd, 'id = "eco_tourism"', "cap = 42")
    assert "40" in tour[3] and "refused whole" in tour[3]
    assert yard[1] == _line(odd, 'id = "courtyard_green"', "cap = 51") and "48" in yard[3]
    assert format_warning(tour).startswith(
        f"odd.toml, 第{tour[1]}行 (line {tour[1]}), items[{idx['eco_tourism']}].cap: 上限 42"
    )


def test_better_tier_on_worse_terms_warns() -> None:
    text = default_rulebook().toml
    odd = text.replace("credit_limit = 80000\nrate = 5.0", "credit_limit = 40000\nrate = 5.3")
    assert odd != text
    warns = {w[2]: w for w in rulebook_warnings(parse_rulebook(odd, "odd.toml"))}
    assert set(warns) == {"benefits[2].rate", "benefits[2].credit_limit"}
    assert warns["benefits[2].rate"][1] == _line(odd, "min_points = 150", "rate = 5.3")
