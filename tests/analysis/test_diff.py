"""``zhengji scheme diff``: what changed between two versions and what it does to ranks."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from zhengji.bundle import Bundle
from zhengji.cli import app
from zhengji.scheme.diff import diff_schemes, impact
from zhengji.scheme.load import dump_scheme
from zhengji.scheme.model import Percentile, Scheme


def _v2(s: Scheme) -> Scheme:
    inds = [i for i in s.indicators if i.id != "tourism_revenue_growth"]
    inds = [i.model_copy(update={"weight": 0.6}) if i.id == "gdp_growth" else i for i in inds]
    pillars = [
        p.model_copy(update={"weight": 0.25}) if p.id == "livelihood" else p for p in s.pillars
    ]
    tr = s.treatment.model_copy(update={"normalisation": Percentile()})
    return s.model_copy(
        update={"version": "2026.1", "indicators": inds, "pillars": pillars, "treatment": tr}
    )


def test_diff_lists_indicators_weights_and_methods(demo: Bundle) -> None:
    a = demo.scheme
    d = diff_schemes(a, _v2(a))
    paths = {c.path: c for c in d.all()}
    assert paths["indicators.tourism_revenue_growth"].kind == "removed"
    assert paths["indicators.gdp_growth.weight"].old == a.indicator("gdp_growth").weight
    assert paths["indicators.gdp_growth.weight"].new == 0.6
    assert paths["pillars.livelihood.weight"].new == 0.25
    assert paths["treatment.normalisation"].new["method"] == "percentile"
    assert "weights.gdp_growth" in paths  # its nominal share of the index changed
    assert diff_schemes(a, a).empty


def test_impact_on_the_same_data(demo: Bundle) -> None:
    a = demo.scheme
    same = impact(a, a, demo.panel)
    assert all(i.rank_change == 0 and i.grade_a == i.grade_b for i in same)
    changed = impact(a, _v2(a), demo.panel)
    assert any(i.rank_change != 0 or i.score_a != i.score_b for i in changed)
    assert sum(i.rank_change for i in changed if i.rank_a and i.rank_b) == 0


def test_cli_scheme_diff_with_bundle(demo: Bundle, world: Path, tmp_path: Path) -> None:
    b = tmp_path / "v2.toml"
    b.write_text(dump_scheme(_v2(demo.scheme)), encoding="utf-8")
    out = tmp_path / "diff.json"
    res = CliRunner().invoke(
        app, ["scheme", "diff", str(world), str(b), "--bundle", str(world), "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    assert "tourism_revenue_growth" in res.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["kind"] == "scheme_diff"
    assert len(data["impact"]) == len(demo.panel.unit_ids)
