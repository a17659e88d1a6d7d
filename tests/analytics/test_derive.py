"""The Ibis derivations equal the store's and the voice module's own computations on the same
data (DuckDB reading the SQLite store file, the embedded default)."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select
from tests.analytics.conftest import AS_OF, IGNORE_IBIS_WARNINGS, Demo

from zhengji import analytics as an
from zhengji.demo.voice import SURVEY_CODE
from zhengji.errors import MethodError
from zhengji.integrity.digits import count_digits
from zhengji.store import Store
from zhengji.store.ops import load_panel
from zhengji.store.schema_voice import VoiceSurveyIssuanceRow, VoiceVoteRow
from zhengji.voice.facts import monthly_table, request_facts
from zhengji.voice.limits import default_limits
from zhengji.voice.metrics import FACT_COLUMNS
from zhengji.voice.surveys import get_survey, results

pytestmark = IGNORE_IBIS_WARNINGS


def _variables(demo: Demo, k: int) -> list[str]:
    s = demo.bundles[k].scheme
    return [i.id for i in s.indicators] + [d.id for d in s.denominators]


@pytest.mark.parametrize("as_of", ["latest", "first"])
@pytest.mark.parametrize("k", [0, 1], ids=["counties", "townships"])
def test_panel_equals_load_panel(sqlite_demo: Demo, k: int, as_of: str) -> None:
    """Pivoted current values = ``load_panel`` cell by cell, before and after a correction."""
    imp = sqlite_demo.first_import_id if as_of == "first" else None
    scheme = sqlite_demo.bundles[k].scheme
    variables = _variables(sqlite_demo, k)
    with Store.open(sqlite_demo.url) as st, st.transaction() as s:
        panel = load_panel(s, scheme, imp)
    with an.connect(sqlite_demo.url) as a:
        wide = an.panel_wide(a.table("observations"), variables, imp).execute()
    u_idx = {u: i for i, u in enumerate(panel.unit_ids)}
    p_idx = {p: i for i, p in enumerate(panel.periods)}
    got = np.full(panel.values.shape, np.nan)
    for row in wide.itertuples(index=False):
        for j, v in enumerate(variables):
            x = getattr(row, v)
            if x is not None and not pd.isna(x):
                got[p_idx[row.period], u_idx[row.unit_id], j] = x
    assert np.isfinite(panel.values).sum() >= 500
    np.testing.assert_array_equal(got, panel.values)


def test_corrections_are_current(sqlite_demo: Demo) -> None:
    """The correction import changed every third county value: the latest panel differs from
    the first import's exactly there."""
    variables = _variables(sqlite_demo, 0)
    with an.connect(sqlite_demo.url) as a:
        obs = a.table("observations")
        old = an.panel_wide(obs, variables, sqlite_demo.first_import_id).execute()
        new = an.panel_wide(obs, variables).execute()
    key = ["unit_id", "period"]
    m = old.merge(new, on=key, suffixes=("_old", "_new"))
    changed = sum(
        int((m[f"{v}_old"] != m[f"{v}_new"]).sum() - (m[f"{v}_old"].isna()).sum())
        for v in variables
    )
    expected = math.ceil(len(sqlite_demo.bundles[0].observations) / 3)
    assert changed == expected


def test_digit_counts_equal_count_digits(sqlite_demo: Demo) -> None:
    """First and last digit counts per unit and indicator = ``count_digits`` on the values."""
    with Store.open(sqlite_demo.url) as st, st.transaction() as s:
        panels = [load_panel(s, b.scheme) for b in sqlite_demo.bundles]
    with an.connect(sqlite_demo.url) as a:
        got = an.digit_counts(a.table("observations")).execute()
    table: dict[tuple[str, str, str], dict[int, int]] = {}
    for r in got.itertuples(index=False):
        table.setdefault((r.unit_id, r.indicator_id, r.test), {})[int(r.digit)] = int(r.n)
    checked = 0
    for panel in panels:
        for u, unit in enumerate(panel.unit_ids):
            for j, var in enumerate(panel.variables):
                x = panel.values[:, u, j]
                x = x[np.isfinite(x)]
                if x.size == 0:
                    continue
                c = count_digits(x)
                first = {d + 1: int(n) for d, n in enumerate(c.counts("first")) if n}
                last = {d: int(n) for d, n in enumerate(c.counts("last")) if n}
                assert table.get((unit, var, "first"), {}) == first
                assert table.get((unit, var, "last"), {}) == last
                checked += 1
    assert checked > 300


def test_rint_ties_to_even_like_numpy(sqlite_demo: Demo) -> None:
    """Values with .5 at the reported precision round like ``np.rint`` (2.5 → 2, 3.5 → 4)."""
    import ibis

    t = ibis.memtable(
        {
            "id": [1, 2, 3, 4],
            "unit_id": ["u"] * 4,
            "period": ["2024", "2025", "2026", "2027"],
            "indicator_id": ["x"] * 4,
            "value": [12.5, 13.5, 2.5, 0.4],
            "source": ["statistics"] * 4,
            "import_id": [1] * 4,
        }
    )
    with an.connect(sqlite_demo.url) as a:
        got = a.con.execute(an.digit_counts(t))
    c = count_digits(np.array([12.5, 13.5, 2.5, 0.4]))
    first = got.loc[got.test == "first"].set_index("digit")["n"].to_dict()
    last = got.loc[got.test == "last"].set_index("digit")["n"].to_dict()
    assert first == {d + 1: int(n) for d, n in enumerate(c.counts("first")) if n} == {1: 2, 2: 1}
    assert last == {d: int(n) for d, n in enumerate(c.counts("last")) if n} == {2: 1, 4: 1}


def test_request_facts_equal_voice_facts(sqlite_demo: Demo) -> None:
    """Per-request facts = ``zhengji.voice.facts.request_facts`` (dispatch, response, callback,
    overdue, reopen, exclusion, China-time month)."""
    with Store.open(sqlite_demo.url) as st, st.transaction() as s:
        want = request_facts(s, AS_OF)
    with an.connect(sqlite_demo.url) as a:
        got = an.request_facts(a.table("voice_requests"), a.table("voice_events"), AS_OF).execute()
    assert len(want) > 1500
    want = want.sort_values("request_id").reset_index(drop=True)
    got = got.sort_values("request_id").reset_index(drop=True)[list(FACT_COLUMNS)]
    for c in (
        "responded",
        "called_back",
        "resolved",
        "satisfied",
        "overdue",
        "reopened",
        "excluded",
    ):
        want[c] = want[c].astype(int)
        got[c] = got[c].astype(int)
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
    assert Counter(want["overdue"]).get(1, 0) > 0 and Counter(want["excluded"]).get(1, 0) > 0


def test_monthly_metrics_equal_voice_metrics(sqlite_demo: Demo) -> None:
    """受理量, 响应率, 解决率, 满意率, 超期率, 重办率 per unit and month = ``monthly_table``
    (townships rolled into counties, nothing into the city)."""
    with Store.open(sqlite_demo.url) as st, st.transaction() as s:
        want = monthly_table(s, default_limits(), AS_OF)
    with an.connect(sqlite_demo.url) as a:
        facts = an.request_facts(a.table("voice_requests"), a.table("voice_events"), AS_OF)
        got = an.monthly_request_metrics(facts, a.table("voice_units")).execute()
    key = ["unit_id", "month"]
    m = want.merge(got, on=key, how="outer", suffixes=("_want", "_got"), indicator=True)
    assert (m["_merge"] == "both").all()
    assert len(m) > 500
    assert (m["volume_want"] == m["volume_got"]).all()
    assert (m["callbacks_want"] == m["callbacks_got"]).all()
    for c in (
        "response_rate",
        "resolution_rate",
        "satisfaction_rate",
        "overdue_rate",
        "reopen_rate",
    ):
        np.testing.assert_allclose(m[f"{c}_got"].astype(float), m[f"{c}_want"], rtol=1e-12)


def test_survey_participation(sqlite_demo: Demo) -> None:
    """Households issued and votes cast per unit = counts straight from the tables."""
    with Store.open(sqlite_demo.url) as st, st.transaction() as s:
        issued = dict(
            s.execute(
                select(VoiceSurveyIssuanceRow.unit_id, func.count()).group_by(
                    VoiceSurveyIssuanceRow.unit_id
                )
            ).all()
        )
        votes = dict(
            s.execute(
                select(VoiceVoteRow.unit_id, func.count()).group_by(VoiceVoteRow.unit_id)
            ).all()
        )
    with an.connect(sqlite_demo.url) as a:
        got = an.survey_participation(
            a.table("voice_survey_issuances"), a.table("voice_votes")
        ).execute()
    assert dict(zip(got.unit_id, got.issued, strict=True)) == issued
    assert dict(zip(got.unit_id, got.votes, strict=True)) == {u: votes.get(u, 0) for u in issued}
    r = got.set_index("unit_id")["participation"]
    for u, n in issued.items():
        assert r[u] == pytest.approx(100 * votes.get(u, 0) / n, rel=1e-12)


def _survey(url: str) -> tuple[dict[int, int], int, pd.DataFrame, list[tuple[str, list[int]]]]:
    """Scales by survey id, item count, ``voice.surveys.results`` and the raw answers."""
    with Store.open(url) as st, st.transaction() as s:
        survey = get_survey(s, SURVEY_CODE)
        want = results(s, SURVEY_CODE)
        votes = [
            (u, list(a))
            for u, a in s.execute(
                select(VoiceVoteRow.unit_id, VoiceVoteRow.answers).where(
                    VoiceVoteRow.survey_id == survey.id
                )
            )
        ]
    return {survey.id: survey.scale}, len(survey.items), want, votes


def test_survey_scores_equal_voice_results(sqlite_demo: Demo) -> None:
    """n, mean score, shrunk score, shrinkage factor and its sd per township and county =
    ``voice.surveys.results`` (numpy over respondent scores; Morris 1983 shrinkage)."""
    scales, _, want, votes = _survey(sqlite_demo.url)
    with an.connect(sqlite_demo.url) as a:
        got = an.survey_scores(a.table("voice_votes"), scales, a.table("voice_units")).execute()
    assert set(got.level) == {"township", "county"} and len(got) == len(want) >= 20
    m = want.merge(got, on=["unit_id", "level"], suffixes=("_want", "_got"), validate="1:1")
    assert len(m) == len(want)
    assert (m.n_want == m.n_got).all()
    for c in ("mean", "shrunk", "shrink_factor", "shrunk_sd"):
        np.testing.assert_allclose(m[f"{c}_got"], m[f"{c}_want"], rtol=1e-12, atol=1e-12)
    assert (m.shrink_factor_got > 0).all()  # shrinkage really happened (k ≥ 4 units per level)
    # the sd behind the t-interval: numpy's sample sd of the respondent scores of one township
    u = str(m.unit_id[m.level == "township"].iloc[0])
    scale = next(iter(scales.values()))
    x = [(np.mean(a) - 1) / (scale - 1) * 100 for v, a in votes if v == u]
    sd = got.set_index(["level", "unit_id"]).loc[("township", u), "sd"]
    assert sd == pytest.approx(np.std(x, ddof=1), rel=1e-12)


def test_survey_item_means_equal_numpy(sqlite_demo: Demo) -> None:
    _, items, _, votes = _survey(sqlite_demo.url)
    with an.connect(sqlite_demo.url) as a:
        got = an.survey_item_means(a.table("voice_votes"), items).execute()
    by: dict[str, list[list[int]]] = {}
    for u, a in votes:
        by.setdefault(u, []).append(a)
    assert len(got) == len(by) * items
    for r in got.itertuples(index=False):
        col = [a[r.item - 1] for a in by[r.unit_id]]
        assert r.n == len(col)
        assert r.mean == pytest.approx(np.mean(col), rel=1e-12)


def test_answers_are_read_without_json_functions() -> None:
    """A 10-point scale's "10" is one item, spaces and brackets do not matter."""
    import ibis

    t = ibis.memtable(
        {"survey_id": [1, 1], "unit_id": ["u", "u"], "answers": ["[10, 1,3]", "[ 2,10 ,10 ]"]}
    )
    got = an.survey_item_means(t, 3).execute().sort_values("item")
    assert got["mean"].tolist() == [6.0, 5.5, 6.5]
    s = an.survey_scores(t, {1: 10}).execute()
    # respondent scores (mean − 1)/9·100: 14/3 → 40.74…, 22/3 → 70.37…
    assert s["mean"].iloc[0] == pytest.approx(((14 / 3 - 1) / 9 * 100 + (22 / 3 - 1) / 9 * 100) / 2)
    with pytest.raises(MethodError, match="at least one survey"):
        an.survey_scores(t, {})
    with pytest.raises(MethodError, match="items ≥ 1"):
        an.survey_item_means(t, 0)
