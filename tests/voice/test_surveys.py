"""Mass evaluation: one vote per token, votes that cannot be traced to a person, scores with
intervals and empirical-Bayes shrinkage (Efron & Morris), integrity signals."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from sqlalchemy import inspect, select, text

from zhengji.errors import DataError, StoreError
from zhengji.integrity.findings import flagged, with_qvalues
from zhengji.store import Store
from zhengji.store.schema_voice import (
    VoiceSurveyIssuanceRow,
    VoiceSurveySpentRow,
    VoiceSurveyTokenRow,
    VoiceVoteRow,
)
from zhengji.voice.survey_stats import integrity_signals, shrink, unit_scores
from zhengji.voice.surveys import (
    TokenError,
    cast_vote,
    create_survey,
    draw_sample,
    issue_tokens,
    results,
    signals,
    token_hash,
    token_status,
)

FRAME = {
    "bijiang_t1": [f"t1-{i:03d}" for i in range(40)],
    "bijiang_t2": [f"t2-{i:03d}" for i in range(40)],
    "wanshan_t1": [f"w1-{i:03d}" for i in range(40)],
}


def issue(store: Store, per: int = 20) -> dict[str, list[str]]:
    with store.transaction() as s:
        sv = create_survey(s, "s1", "测试评议", "2025", "考核办")
        return issue_tokens(s, sv, draw_sample(FRAME, per, seed=3), "评议组")


def test_sample_is_drawn_per_township_and_reproducible() -> None:
    a, b = draw_sample(FRAME, 10, seed=1), draw_sample(FRAME, 10, seed=1)
    assert a == b and all(len(v) == 10 for v in a.values())
    assert set(a["bijiang_t1"]) <= set(FRAME["bijiang_t1"])
    assert draw_sample(FRAME, 10, seed=2) != a


def test_one_vote_per_token(store: Store) -> None:
    tokens = issue(store)
    tok = tokens["bijiang_t1"][0]
    with store.transaction() as s:
        assert token_status(s, tok) == ("valid", "s1")
        assert cast_vote(s, tok.lower(), [5, 4, 4, 3, 5]) == "s1"  # typing case does not matter
        assert token_status(s, tok) == ("spent", "s1")
    with pytest.raises(TokenError, match="already"), store.transaction() as s:
        cast_vote(s, tok, [1, 1, 1, 1, 1])
    with pytest.raises(TokenError, match="unknown"), store.transaction() as s:
        cast_vote(s, "AAAA-BBBB-CCCC-DDDD", [1, 1, 1, 1, 1])
    with pytest.raises(DataError), store.transaction() as s:
        cast_vote(s, tokens["bijiang_t1"][1], [6, 1, 1, 1, 1])
    with store.transaction() as s:
        assert s.scalar(select(VoiceVoteRow.answers)) == [5, 4, 4, 3, 5]
        assert len(s.scalars(select(VoiceVoteRow.id)).all()) == 1


def test_a_vote_cannot_be_traced_to_a_household(store: Store) -> None:
    """The guarantees of docs/voice.md, "Why a vote cannot be traced", checked one by one."""
    tokens = issue(store, per=20)
    order = [t for u in sorted(tokens) for t in tokens[u]]
    t_start = dt.datetime(2025, 12, 1, 9, tzinfo=dt.UTC)
    for i, tok in enumerate(order):
        with store.transaction() as s:
            cast_vote(
                s,
                tok,
                [1 + i % 5] * 4 + [3],
                address=f"10.0.{i}.7",
                started_at=t_start,
                at=t_start + dt.timedelta(minutes=i),
            )
    insp = inspect(store.engine)
    votes = {c["name"] for c in insp.get_columns("voice_votes")}
    issuance = {c["name"] for c in insp.get_columns("voice_survey_issuances")}
    tok_cols = {c["name"] for c in insp.get_columns("voice_survey_tokens")}
    # 1. votes hold no token, hash, household, issuance id or exact time
    assert votes == {
        "id",
        "survey_id",
        "unit_id",
        "answers",
        "cast_day",
        "cast_slot",
        "duration_s",
        "network_tag",
    }
    assert not {fk["referred_table"] for fk in insp.get_foreign_keys("voice_votes")} & {
        "voice_survey_tokens",
        "voice_survey_spent",
        "voice_survey_issuances",
    }
    # 2. issuance records hold no token or hash; tokens carry no sequence or time
    assert issuance == {"id", "survey_id", "unit_id", "household_ref", "issued_by", "issued_at"}
    assert tok_cols == {"token_hash", "survey_id", "unit_id"}
    with store.transaction() as s:
        stored = s.scalars(select(VoiceSurveyTokenRow.token_hash)).all()
        plain = {t.replace("-", "") for t in order}
        assert not any(h in plain for h in stored) and len(stored) == len(order)
        assert set(stored) == {token_hash(t) for t in order}
        # 3. on SQLite stored order reveals nothing: votes come back in random-id order and
        # spent hashes in hash order (WITHOUT ROWID). PostgreSQL heap order follows insertion,
        # so there a DBA could pair votes with spent *hashes* — which still name no household
        # (docs/voice.md, "PostgreSQL caveat"); point 2 is what protects the person.
        answers_in_table = [a[0] for a in s.scalars(select(VoiceVoteRow.answers))]
        cast_first = [1 + i % 5 for i in range(len(order))]
        spent_order = s.scalars(select(VoiceSurveySpentRow.token_hash)).all()
        if store.engine.dialect.name == "sqlite":
            assert answers_in_table != cast_first
            assert list(spent_order) == sorted(spent_order)  # keyed by hash, not by time
        # 4. the anonymity set of any vote is its whole township sample
        for unit in ("bijiang_t1", "bijiang_t2", "wanshan_t1"):
            n_votes = len(
                s.scalars(select(VoiceVoteRow.id).where(VoiceVoteRow.unit_id == unit)).all()
            )
            n_households = len(
                s.scalars(
                    select(VoiceSurveyIssuanceRow.id).where(VoiceSurveyIssuanceRow.unit_id == unit)
                ).all()
            )
            assert n_votes == n_households == 20
        # time kept only as day + 10-minute slot
        slots = s.execute(select(VoiceVoteRow.cast_day, VoiceVoteRow.cast_slot)).all()
        assert {d for d, _ in slots} == {"2025-12-01", "2025-12-02"} or all(
            len(d) == 10 for d, _ in slots
        )
        assert max(sl for _, sl in slots) < 144
    # votes are append-only like every record of responsibility
    with pytest.raises(StoreError), store.transaction() as s:
        s.execute(text("UPDATE voice_votes SET answers = '[5,5,5,5,5]'"))


def test_james_stein_shrinkage_efron_morris_1977() -> None:
    """Efron & Morris (1977), "Stein's paradox in statistics", Scientific American 236(5):
    18 batters' averages after 45 at-bats; grand mean .265 and shrinking factor c = .212."""
    hits = np.array([18, 17, 16, 15, 14, 14, 13, 12, 11, 11, 10, 10, 10, 10, 10, 9, 8, 7])
    y = hits / 45
    var = np.full(18, y.mean() * (1 - y.mean()) / 45)
    sh = shrink(y, var)
    assert round(sh.grand_mean, 3) == 0.265
    assert round(1 - sh.factors[0], 3) == 0.212
    assert np.allclose(sh.means, sh.grand_mean + 0.2124 * (y - sh.grand_mean), atol=2e-4)
    # unequal samples: the small unit moves more
    sh2 = shrink([60.0, 80.0, 70.0, 50.0, 90.0], [100 / 5, 100 / 500, 100 / 50, 100 / 50, 100 / 50])
    assert abs(sh2.means[0] - 60) > abs(sh2.means[1] - 80)


def test_unit_score_interval() -> None:
    (u,) = unit_scores({"a": np.array([50.0, 60.0, 70.0])})
    # t(0.975, 2) = 4.302653; sd = 10; half-width = 4.302653 * 10 / sqrt(3) = 24.841
    assert u.mean == 60 and round(u.ci_high - 60, 3) == 24.841


def test_integrity_signals_catch_an_organised_block() -> None:
    rng = np.random.default_rng(0)
    n = 300
    units = np.array([f"u{i % 6}" for i in range(n)])
    answers = rng.integers(1, 6, (n, 5))
    slots = rng.integers(0, 2000, n)
    dur = rng.uniform(60, 300, n)
    net = rng.integers(0, 60000, n)
    block = np.flatnonzero(units == "u3")[:25]
    answers[block] = 5
    slots[block] = 777
    dur[block] = 4
    net[block] = 4242
    found = flagged(
        with_qvalues(integrity_signals("s", "2025", units.tolist(), answers, slots, dur, net))
    )
    assert {(f.unit_id, f.check) for f in found} == {
        ("u3", "survey.straightlining"),
        ("u3", "survey.burst"),
        ("u3", "survey.speed"),
        ("u3", "survey.network"),
    }


def test_results_per_unit_and_signals_from_the_store(store: Store) -> None:
    tokens = issue(store, per=20)
    rng = np.random.default_rng(5)
    for unit, toks in tokens.items():
        for tok in toks[:15]:
            mu = {"bijiang_t1": 4.2, "bijiang_t2": 3.0, "wanshan_t1": 3.6}[unit]
            ans = [int(x) for x in np.clip(np.rint(rng.normal(mu, 0.8, 5)), 1, 5)]
            with store.transaction() as s:
                cast_vote(s, tok, ans)
    with store.transaction() as s:
        table = results(s, "s1").set_index("unit_id")
        found = signals(s, "s1")
    t1 = table.loc["bijiang_t1"]
    assert t1["n"] == 15 and t1["issued"] == 20 and t1["response_rate"] == pytest.approx(75.0)
    assert t1["ci_low"] < t1["mean"] < t1["ci_high"]
    assert table.loc["bijiang_t1"]["mean"] > table.loc["bijiang_t2"]["mean"]
    assert table.loc["bijiang"]["level"] == "county" and table.loc["bijiang"]["n"] == 30
    assert {f.check for f in found} >= {"survey.straightlining", "survey.burst"}
