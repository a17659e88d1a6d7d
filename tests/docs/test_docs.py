"""Docs tested against code (datasette style): every scheme key, setting and command is documented."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel

from zhengji import settings
from zhengji.scheme import model

ROOT = Path(__file__).resolve().parents[2]
MODELS = [
    model.Scheme,
    model.IndexSpec,
    model.PillarSpec,
    model.IndicatorSpec,
    model.Horizon,
    model.Weighting,
    model.AHPSpec,
    model.DenominatorSpec,
    model.Category,
    model.Treatment,
    model.AggregationDefaults,
    model.Grades,
    model.GradeLevel,
    model.Veto,
    model.SourceWeights,
    model.IntegritySpec,
    model.ProxyCheck,
    model.AdditiveCheck,
    model.TargetCheck,
    model.MinMax,
    model.ZScore,
    model.Goalposts,
    model.DistanceToTarget,
    model.Percentile,
]


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__name__)
def test_every_scheme_key_is_documented(cls: type[BaseModel]) -> None:
    text = (ROOT / "docs" / "scheme.md").read_text(encoding="utf-8")
    forms = ("`{}`", " {},", "{{ {}", ", {}", "[{}]", "[[{}]]")
    missing = [f for f in cls.model_fields if not any(x.format(f) in text for x in forms)]
    assert not missing, f"docs/scheme.md does not document {cls.__name__} keys {missing}"


def test_every_setting_is_documented() -> None:
    text = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    for s in settings.SETTINGS:
        assert f"`{s.env}`" in text, s.env
        assert s.default in text, s.default


def test_every_cli_command_is_in_the_readme() -> None:
    from zhengji.cli import app

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    names = [c.name or c.callback.__name__ for c in app.registered_commands if c.callback]
    names.append("scheme check")
    assert len(names) >= 5
    for name in names:
        assert f"zhengji {name}" in readme, name


def test_cli_reference_is_generated_from_the_code() -> None:
    from zhengji.clidoc import render

    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert text == render(), "regenerate with: python -m zhengji.clidoc > docs/cli.md"
