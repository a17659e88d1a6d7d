"""The configuration: documented defaults, overlays, and errors that name the key."""

from __future__ import annotations

import pytest

from zhengji.cadres.config import default_toml, parse_config
from zhengji.errors import SchemeError


def test_defaults_and_their_sources_are_documented() -> None:
    cfg = parse_config("")
    assert (cfg.excellent, cfg.competent, cfg.basic, cfg.excellent_share) == (90, 75, 60, 0.2)
    assert "条例" in default_toml()
    assert cfg.roles["deputy"].weight == 0.8


def test_overlay_changes_one_setting_and_the_fingerprint() -> None:
    base, over = parse_config(""), parse_config("[grades]\nexcellent = 85.0\n")
    assert over.excellent == 85 and over.competent == base.competent
    assert over.fingerprint != base.fingerprint
    assert parse_config("[grades]\nexcellent = 90.0\n").fingerprint == base.fingerprint


@pytest.mark.parametrize(
    ("text", "key"),
    [("[grades]\nexcelent = 1\n", "grades.excelent"), ("[grades]\nbasic = 80.0\n", "递减"),
     ("[vetoes]\nvanity = \"差\"\n", "vetoes.vanity"), ("[roles.deputy]\nunit_share = 2\n",
     "roles.deputy.unit_share"), ("x = [", "TOML")],
)  # fmt: skip
def test_bad_settings_name_the_key(text: str, key: str) -> None:
    with pytest.raises(SchemeError, match=key.replace(".", r"\.")):
        parse_config(text)


@pytest.mark.parametrize(
    ("text", "key"),
    [('[routine]\nlabels = ["好", "好", "一般", "较差"]\n', "routine.labels"),
     ("[routine]\nfair = 95.0\n", "递减"), ('[routine]\npoor_cap = "差"\n', "routine.poor_cap"),
     ("[routine]\npoor_quarters = 0\n", "routine.poor_quarters"),
     ('[slow]\nroles = ["boss"]\n', "slow.roles"), ("[slow]\ngrace_days = 1.5\n", "slow.grace_days")],
)  # fmt: skip
def test_bad_routine_and_slow_settings_name_the_key(text: str, key: str) -> None:
    with pytest.raises(SchemeError, match=key.replace(".", r"\.")):
        parse_config(text)


def test_routine_and_slow_defaults() -> None:
    cfg = parse_config("")
    assert cfg.routine.labels == ("好", "较好", "一般", "较差")
    assert cfg.routine.lines == (90.0, 80.0, 70.0) and cfg.routine.annual_weight == 0.2
    assert (cfg.slow.grace_days, cfg.slow.roles) == (30, ("principal", "in_charge"))
