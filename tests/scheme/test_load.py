"""The scheme file: validation names the key path, round trip, AHP consistency."""

from __future__ import annotations

from pathlib import Path

import pytest

from zhengji.errors import SchemeError
from zhengji.scheme import dump_scheme, load_scheme, parse_scheme, scheme_fingerprint
from zhengji.scheme.weights import nominal_weights

BASE = """
[scheme]
id = "t"
name = "测试方案"
version = "2025.1"

[[categories]]
id = "urban"
name = "城市化地区"

[[categories]]
id = "eco"
name = "重点生态功能区"
exclude = ["gdp_growth"]

[[pillars]]
id = "econ"
name = "经济"
parent = "index"
weight = 2

[[pillars]]
id = "green"
name = "生态"
parent = "index"
weight = 3

[[indicators]]
id = "gdp_growth"
name = "GDP增速"
parent = "econ"
unit = "%"

[[indicators]]
id = "income"
name = "居民收入"
parent = "econ"
weight = 3

[[indicators]]
id = "forest"
name = "森林覆盖率"
parent = "green"
kind = "latent"
horizon = { mode = "change", periods = 3 }
normalisation = { method = "goalposts", min = 40, max = 80 }
"""


def test_valid_scheme_loads() -> None:
    s = parse_scheme(BASE)
    assert s.id == "t"
    assert [i.id for i in s.indicators_for("eco")] == ["income", "forest"]
    assert [i.id for i in s.indicators_for("urban")] == ["gdp_growth", "income", "forest"]
    assert s.level("index") == 3 and s.level("econ") == 2


def test_round_trip_through_toml() -> None:
    s = parse_scheme(BASE)
    again = parse_scheme(dump_scheme(s))
    assert again == s
    assert scheme_fingerprint(again) == scheme_fingerprint(s)


def test_fingerprint_ignores_values_left_at_their_defaults() -> None:
    """Spelling out a default, or a key added to the model later, changes nothing; a real
    change does (stored runs keep reproducing as the scheme format grows)."""
    s = parse_scheme(BASE)
    explicit = parse_scheme(BASE + "\n[integrity]\ndigits = true\ntarget_years = []\n")
    assert scheme_fingerprint(explicit) == scheme_fingerprint(s)
    changed = parse_scheme(BASE + '\n[integrity]\ntarget_years = ["2025"]\n')
    assert scheme_fingerprint(changed) != scheme_fingerprint(s)


def test_nominal_weights_respect_category_exclusion() -> None:
    s = parse_scheme(BASE)
    urban = nominal_weights(s, "urban")
    assert urban["econ"] == pytest.approx(0.4)
    assert urban["gdp_growth"] == pytest.approx(0.4 * 0.25)
    eco = nominal_weights(s, "eco")
    assert "gdp_growth" not in eco
    assert eco["income"] == pytest.approx(0.4)
    assert sum(v for k, v in eco.items() if k in {"income", "forest"}) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("edit", "path", "words"),
    [
        (
            ('direction = "higher"', 'direction = "up"'),
            "indicators[0](id=gdp_growth).direction",
            "not allowed",
        ),
        (
            ('unit = "%"', 'unit = "%"\nwieght = 2'),
            "indicators[0](id=gdp_growth).wieght",
            "unknown key",
        ),
        (
            (
                'method = "goalposts", min = 40, max = 80',
                'method = "goalposts", min = 80, max = 40',
            ),
            "indicators[2](id=forest).normalisation",
            "must be greater",
        ),
        (
            ('method = "goalposts"', 'method = "sigmoid"'),
            "indicators[2](id=forest).normalisation",
            "unknown method",
        ),
        (
            ('parent = "green"\nkind', 'parent = "nowhere"\nkind'),
            "indicators[2](id=forest).parent",
            "'nowhere' is not the index or a pillar",
        ),
        (('kind = "latent"\n', ""), "indicators[2](id=forest)", "only for latent"),
    ],
)
def test_errors_name_the_key_path(edit: tuple[str, str], path: str, words: str) -> None:
    text = BASE.replace('unit = "%"', 'unit = "%"\ndirection = "higher"', 1)
    assert edit[0] in text, edit[0]
    with pytest.raises(SchemeError) as exc:
        parse_scheme(text.replace(edit[0], edit[1], 1), source="bad.toml")
    msg = str(exc.value)
    assert "bad.toml" in msg
    assert path in msg
    assert words in msg


def test_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    f = tmp_path / "s.toml"
    f.write_text(BASE + "\n[[indicators]\n", encoding="utf-8")
    with pytest.raises(SchemeError, match=r"s\.toml.*line"):
        load_scheme(f)


def test_missing_file_is_a_scheme_error(tmp_path: Path) -> None:
    with pytest.raises(SchemeError, match="not found"):
        load_scheme(tmp_path / "nope.toml")


AHP = """
[scheme]
id = "a"
name = "AHP"
[index]
weighting = { method = "ahp", ahp = { order = ["p1", "p2", "p3", "p4", "p5", "p6"], random_index = "tummala_ling", matrix = MATRIX } }
""" + "".join(
    f'[[pillars]]\nid = "p{i}"\nname = "P{i}"\nparent = "index"\n'
    f'[[indicators]]\nid = "x{i}"\nname = "X{i}"\nparent = "p{i}"\n'
    for i in range(1, 7)
)

# Wang & Chin (2011), Information Sciences 181, as in pymcdm's TestAHPWeights: CR 0.229 with
# the Tummala & Ling random index (1.24 for n = 6).
WANG_CHIN = [
    [1, 4, 3, 1, 3, 4],
    [0.25, 1, 7, 3, 0.2, 1],
    [1 / 3, 1 / 7, 1, 0.2, 0.2, 1 / 6],
    [1, 1 / 3, 5, 1, 1, 1 / 3],
    [1 / 3, 5, 5, 1, 1, 3],
    [0.25, 1, 6, 3, 1 / 3, 1],
]


def test_inconsistent_ahp_is_an_error_reporting_cr_wang_chin2011() -> None:
    with pytest.raises(SchemeError) as exc:
        parse_scheme(AHP.replace("MATRIX", repr(WANG_CHIN)))
    msg = str(exc.value)
    assert "index(index).weighting.ahp" in msg
    assert "CR = 0.22" in msg


def test_consistent_ahp_is_accepted() -> None:
    ones = [[1.0] * 6 for _ in range(6)]
    s = parse_scheme(AHP.replace("MATRIX", repr(ones)))
    w = nominal_weights(s, None)
    assert w["p3"] == pytest.approx(1 / 6)


@pytest.mark.parametrize(
    ("extra", "path", "words"),
    [
        (
            '[[vetoes]]\nid = "v"\nname = "否决"\ncap = "中等"\n',
            "vetoes[0](id=v).cap",
            "not one of",
        ),
        (
            '[[vetoes]]\nid = "v"\nname = "否决"\ncap = "一般"\nindicator = "nope"\n',
            "vetoes[0](id=v).indicator",
            "not a declared",
        ),
        (
            '[aggregation]\nlevels = { "7" = "geometric" }\n',
            "aggregation.levels.7",
            "levels run from 2 to 3",
        ),
        (
            '[sources]\nmode = "reweight"\nweights = { third_party = 1 }\n',
            "sources.weights",
            "no weight for source 'statistics'",
        ),
        (
            '[sources]\nmode = "reweight"\nweights = { statistics = 1, third_party = 1 }\n',
            "sources.weights.third_party",
            "no indicator has this source",
        ),
    ],
)
def test_cross_field_errors_name_their_key_path(extra: str, path: str, words: str) -> None:
    with pytest.raises(SchemeError) as exc:
        parse_scheme(BASE + "\n" + extra, source="x.toml")
    msg = str(exc.value)
    assert f"  {path}: " in msg, msg
    assert words in msg


def test_category_override_on_a_computed_weighting_must_be_zero() -> None:
    text = BASE.replace("weight = 2\n", 'weight = 2\nweighting = { method = "equal" }\n', 1)
    text = text.replace('exclude = ["gdp_growth"]', "weights = { income = 2 }")
    with pytest.raises(SchemeError, match=r"categories\[1\]\(id=eco\)\.weights\.income"):
        parse_scheme(text)
    parse_scheme(text.replace("weights = { income = 2 }", "weights = { income = 0 }"))


def test_all_zero_sibling_weights_and_total_exclusion_are_errors() -> None:
    zero = BASE.replace(
        '[[categories]]\nid = "urban"\nname = "城市化地区"',
        '[[categories]]\nid = "urban"\nname = "城市化地区"\nweights = { econ = 0, green = 0 }',
    )
    with pytest.raises(
        SchemeError, match=r"index\.weighting: .*every child weight is 0 for category 'urban'"
    ):
        parse_scheme(zero)
    every = BASE.replace('exclude = ["gdp_growth"]', 'exclude = ["econ", "green"]')
    with pytest.raises(SchemeError, match=r"categories\[1\]\(id=eco\)\.exclude: .*every indicator"):
        parse_scheme(every)


def test_unknown_denominator_lists_the_declared_ones() -> None:
    text = BASE.replace('unit = "%"', 'unit = "%"\ndenominator = "pop"', 1)
    with pytest.raises(
        SchemeError, match=r"indicators\[0\]\(id=gdp_growth\)\.denominator: .*declared: \[\]"
    ):
        parse_scheme(text)


def test_a_cycle_of_pillars_is_reported_not_looped_on() -> None:
    text = BASE.replace(
        'id = "econ"\nname = "经济"\nparent = "index"',
        'id = "econ"\nname = "经济"\nparent = "green"',
    ).replace(
        'id = "green"\nname = "生态"\nparent = "index"',
        'id = "green"\nname = "生态"\nparent = "econ"',
    )
    with pytest.raises(SchemeError, match=r"pillars\[0\]\(id=econ\)\.parent: 上级成环"):
        parse_scheme(text)


def test_a_parent_typo_under_category_overrides_is_reported_not_a_crash() -> None:
    text = BASE.replace('exclude = ["gdp_growth"]', "weights = { econ = 2 }").replace(
        'id = "econ"\nname = "经济"\nparent = "index"',
        'id = "econ"\nname = "经济"\nparent = "indx"',
    )
    with pytest.raises(SchemeError, match=r"pillars\[0\]\(id=econ\)\.parent: 上级不存在 'indx'"):
        parse_scheme(text)


def test_plain_value_errors_lead_in_chinese() -> None:
    with pytest.raises(SchemeError) as exc:
        parse_scheme(BASE.replace("weight = 2\n", "weight = -2\n", 1))
    assert "pillars[0](id=econ).weight: 数值过小" in str(exc.value)


INTEGRITY = """
[[denominators]]
id = "electricity"
name = "用电量增速"

[[vetoes]]
id = "falsification"
name = "数据造假"
cap = "较差"

[integrity]
veto = "falsification"

[[integrity.proxies]]
indicator = "gdp_growth"
proxies = ["electricity"]

[[integrity.targets]]
indicator = "gdp_growth"
target = 7.0
"""


def test_integrity_section_round_trips_and_checks_names() -> None:
    s = parse_scheme(BASE + INTEGRITY)
    assert s.integrity.proxies[0].proxies == ["electricity"]
    assert parse_scheme(dump_scheme(s)) == s
    with pytest.raises(SchemeError, match=r"integrity\.proxies\[0\]: 'power' 未声明"):
        parse_scheme(BASE + INTEGRITY.replace('proxies = ["electricity"]', 'proxies = ["power"]'))
    with pytest.raises(SchemeError, match=r"integrity\.veto: 否决规则不存在"):
        parse_scheme(BASE + INTEGRITY.replace('veto = "falsification"', 'veto = "fraud"'))
