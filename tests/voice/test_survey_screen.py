"""Survey integrity signals stored as integrity findings: once per unchanged survey, reviewable
in the findings workflow, with evidence that names the township and the statistic."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from zhengji.bundle import load_bundle, write_bundle
from zhengji.cli import app
from zhengji.errors import DataError, StoreError
from zhengji.scheme.model import Scheme
from zhengji.store import Store
from zhengji.store.schema import FindingRow, VetoEventRecord
from zhengji.voice.survey_stats import integrity_signals
from zhengji.voice.surveys import (
    cast_vote,
    create_survey,
    draw_sample,
    issue_tokens,
    record_signals,
)

SCHEME = """\
[scheme]
id = "survey_screen_test"
name = "评议核查测试"

[[pillars]]
id = "p"
name = "群众满意"
parent = "index"

[[indicators]]
id = "survey_score"
name = "群众评议得分"
parent = "p"
source = "mass_evaluation"

[[vetoes]]
id = "falsification"
name = "数据造假"
cap = "较差"

[grades]
method = "thresholds"

[[grades.levels]]
name = "良好"
min = 60.0

[[grades.levels]]
name = "较差"

[integrity]
veto = "falsification"
"""
# wanshan_t1 is deliberately not among the assessment's units: its findings become scopes.
UNITS = [
    {"unit_id": "bijiang", "name": "碧江区", "level": "county"},
    {"unit_id": "bijiang_t1", "name": "甲镇", "parent_id": "bijiang", "level": "township"},
    {"unit_id": "bijiang_t2", "name": "乙镇", "parent_id": "bijiang", "level": "township"},
]
FRAME = {u: [f"{u}-{i:03d}" for i in range(40)] for u in ("bijiang_t1", "bijiang_t2", "wanshan_t1")}
BLOCK = 12  # organised identical votes in bijiang_t2, one slot, one network, seconds each


def _scheme(tmp_path: Path, store: Store) -> Scheme:
    obs = [
        {"unit_id": u["unit_id"], "period": "2025", "indicator_id": "survey_score",
         "value": 70.0, "source": "mass_evaluation"}
        for u in UNITS
    ]  # fmt: skip
    write_bundle(tmp_path / "b", UNITS, obs, SCHEME)
    bundle = load_bundle(tmp_path / "b")
    store.import_bundle(bundle)
    return bundle.scheme


def _vote(store: Store, seed: int = 5) -> dict[str, list[str]]:
    """25 ordinary votes per township spread over two weeks, and the block in bijiang_t2."""
    rng = np.random.default_rng(seed)
    with store.transaction() as s:
        sv = create_survey(s, "s1", "测试评议", "2025", "考核办")
        tokens = issue_tokens(s, sv, draw_sample(FRAME, 40, seed=3), "评议组")
    start = dt.datetime(2025, 12, 1, 1, tzinfo=dt.UTC)
    for _, toks in sorted(tokens.items()):
        for k, tok in enumerate(toks[:25]):
            at = start + dt.timedelta(hours=int(rng.integers(0, 14 * 24)), minutes=k)
            ans = [int(x) for x in np.clip(np.rint(rng.normal(3.6, 0.9, 5)), 1, 5)]
            with store.transaction() as s:
                cast_vote(s, tok, ans, started_at=at - dt.timedelta(seconds=90 + k),
                          address=f"10.{k}.{int(rng.integers(0, 200))}.7", at=at)  # fmt: skip
    burst = dt.datetime(2025, 12, 6, 2, 21, tzinfo=dt.UTC)
    for k, tok in enumerate(tokens["bijiang_t2"][25 : 25 + BLOCK]):
        at = burst + dt.timedelta(seconds=20 * k)
        with store.transaction() as s:
            cast_vote(s, tok, [5, 5, 5, 5, 5], started_at=at - dt.timedelta(seconds=6),
                      address="192.168.7.20", at=at)  # fmt: skip
    return tokens


def _count(store: Store) -> int:
    with store.transaction() as s:
        return int(s.scalar(select(func.count()).select_from(FindingRow)) or 0)


def test_signals_are_stored_once_and_name_township_and_statistic(
    store: Store, tmp_path: Path
) -> None:
    scheme = _scheme(tmp_path, store)
    tokens = _vote(store)
    with store.transaction() as s:
        first = record_signals(s, "s1", scheme)
    assert first.recorded
    stored = store.findings(first.screen_id)
    # 3 townships × 4 checks (straight-lining, burst, speed, network): every test is kept
    assert len(stored) == 12 == _count(store)
    assert {f.indicator_id for f in stored} == {"survey:s1"}
    assert {f.check for f in stored} == {
        "survey.straightlining", "survey.burst", "survey.speed", "survey.network"
    }  # fmt: skip
    hit = {(f.unit_id, f.check): f for f in stored}
    straight = hit[("bijiang_t2", "survey.straightlining")]
    assert straight.severity in ("high", "medium") and straight.state == "open"
    assert straight.periods == ("2025",)
    # the evidence: which township, which statistic, counts behind it
    assert "乙镇（bijiang_t2）" in straight.summary_zh and "bijiang_t2" in straight.summary_en
    assert straight.evidence["straight"] >= BLOCK and straight.evidence["n"] == 25 + BLOCK
    assert straight.statistic == pytest.approx(
        straight.evidence["straight"] / straight.evidence["n"]
    )
    assert straight.evidence["expected_share"] < 0.2
    burst = hit[("bijiang_t2", "survey.burst")]
    assert burst.severity != "info" and burst.evidence["peak"] >= BLOCK
    assert hit[("bijiang_t1", "survey.straightlining")].severity == "info"
    assert ("*wanshan_t1", "survey.burst") in hit  # not an assessed unit: a scope

    with store.transaction() as s:
        again = record_signals(s, "s1", scheme)
    assert (again.recorded, again.screen_id) == (False, first.screen_id)
    assert _count(store) == 12  # re-screening an unchanged survey adds nothing

    with store.transaction() as s:  # a late vote changes the evidence: a new screen
        cast_vote(s, tokens["bijiang_t1"][30], [4, 4, 3, 4, 4])
        later = record_signals(s, "s1", scheme)
    assert later.recorded and later.screen_id > first.screen_id and _count(store) == 24


def test_a_survey_finding_goes_through_the_review_workflow(store: Store, tmp_path: Path) -> None:
    scheme = _scheme(tmp_path, store)
    _vote(store)
    with store.transaction() as s:
        sid = record_signals(s, "s1", scheme).screen_id
    hit = {(f.unit_id, f.check): f for f in store.findings(sid)}
    f = hit[("bijiang_t2", "survey.straightlining")]
    assert (
        store.act_on_finding(None, f.id, "explain", "乙镇", "村民集中到村委会投票") == "explained"
    )
    assert store.act_on_finding(None, f.id, "confirm", "考核办", "核实为组织投票") == "confirmed"
    with store.transaction() as s:
        veto = s.scalars(select(VetoEventRecord)).one()
    assert (veto.unit_id, veto.period, veto.veto_id) == ("bijiang_t2", "2025", "falsification")
    assert store.act_on_finding(None, f.id, "withdraw", "考核办", "复核撤销") == "withdrawn"
    scope = hit[("*wanshan_t1", "survey.burst")]
    with pytest.raises(StoreError, match="names no single unit"):
        store.act_on_finding(None, scope.id, "confirm", "考核办", "x")
    assert store.act_on_finding(None, scope.id, "dismiss", "考核办", "正常") == "dismissed"


def test_a_survey_without_votes_is_not_screened(store: Store, tmp_path: Path) -> None:
    scheme = _scheme(tmp_path, store)
    with store.transaction() as s:
        create_survey(s, "empty", "无人投票", "2025", "考核办")
    with pytest.raises(DataError, match="no votes yet"), store.transaction() as s:
        record_signals(s, "empty", scheme)
    assert _count(store) == 0


def test_survey_screen_command(store: Store, tmp_path: Path) -> None:
    _scheme(tmp_path, store)
    _vote(store)
    runner = CliRunner()
    args = ["survey", "screen", "s1", "--scheme", str(tmp_path / "b" / "scheme.toml")]
    args += ["--db", store.url]
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    assert "recorded as screen #1" in r.output and "乙镇" in r.output
    r = runner.invoke(app, args)
    assert r.exit_code == 0 and "unchanged since screen #1" in r.output, r.output
    r = runner.invoke(app, ["survey", "screen", "nope", "--db", store.url])
    assert r.exit_code == 2 and "no survey" in r.output


def test_two_votes_from_one_network_are_no_flood() -> None:
    """16-bit network tags collide: two of 40 votes sharing one is chance, six are a block."""
    rng = np.random.default_rng(1)
    units = np.repeat(["u0", "u1", "u2"], 40)
    answers = rng.integers(1, 6, (120, 5))
    slots = rng.integers(0, 2000, 120)
    dur = rng.uniform(60, 300, 120)
    nets = rng.integers(0, 65536, 120)

    def network_p(shared: int) -> float:
        n = nets.copy()
        n[:shared] = 4242
        found = integrity_signals("s", "2025", units.tolist(), answers, slots, dur, n)
        return next(f.p_value for f in found if f.unit_id == "u0" and f.check == "survey.network")

    assert network_p(2) == 1.0
    assert network_p(6) < 1e-4


def test_demo_survey_round_is_stored_as_findings(tmp_path: Path) -> None:
    """`zhengji demo`'s path: the planted block in PLANTED_SURVEY_UNIT becomes open findings
    under the township scheme, once; no other township is flagged high."""
    from zhengji.demo import build_world
    from zhengji.demo import voice as demo_voice

    root = build_world(tmp_path / "w", seed=20251)
    with Store.open(f"sqlite:///{tmp_path / 'demo.db'}") as st:
        st.import_bundle(load_bundle(root / "townships"))
        demo_voice.populate(st, seed=20251, n_requests=500)
        done = demo_voice.screen_survey(st)
        assert done.recorded and demo_voice.screen_survey(st).screen_id == done.screen_id
        stored = [f for f in st.findings(done.screen_id) if f.severity != "info"]
    planted = {f.check for f in stored if f.unit_id == demo_voice.PLANTED_SURVEY_UNIT}
    assert planted == {"survey.straightlining", "survey.burst", "survey.speed", "survey.network"}
    assert not [
        f for f in stored if f.unit_id != demo_voice.PLANTED_SURVEY_UNIT and f.severity == "high"
    ]
    assert all(f.state == "open" and f.periods == ("2025",) for f in stored)
