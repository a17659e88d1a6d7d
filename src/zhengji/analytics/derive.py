"""Derivations written once as Ibis expressions: records in, indicator tables out.

Each function takes Ibis tables (from :class:`zhengji.analytics.Analytics`) and returns an
unexecuted expression, so the same code runs on DuckDB, SQLite, PostgreSQL and Spark; only
``.execute()`` touches a backend. Only portable operations are used: joins on ids, conditional
aggregates, integer arithmetic, casts; no backend-specific functions (``strftime`` formats,
``arg_max``, JSON) whose meaning differs between engines.

The rules are the store's and the voice module's, restated here set-wise:

- the current value of a cell is its newest row (largest id) per (unit, period, indicator),
  among rows imported up to ``as_of_import_id`` (``zhengji.store.ops.load_panel``);
- digit counts follow ``zhengji.integrity.digits.count_digits``: ``Z = rint(value·10^d)``
  (ties to even, like NumPy), first digit of every ``Z ≥ 1``, last digit of ``10 ≤ Z < 2^53``;
- request facts and monthly metrics follow ``zhengji.voice.facts.request_facts`` and
  ``zhengji.voice.metrics.monthly`` (docs/voice.md, "Metrics");
- eco points follow ``zhengji.eco.scoring`` (which awards count at a date, caps per dimension
  and in total) and the unit figures ``zhengji.eco.indicators.account_rows``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir

from zhengji.errors import MethodError

if TYPE_CHECKING:
    from zhengji.eco.rulebook import Rulebook

__all__ = [
    "CHINA_OFFSET_HOURS",
    "ECO_LEVELS",
    "METRIC_COUNTS",
    "current_observations",
    "digit_counts",
    "eco_holder_points",
    "eco_participation",
    "eco_points_by_dimension",
    "monthly_request_metrics",
    "panel_wide",
    "request_facts",
    "survey_item_means",
    "survey_participation",
    "survey_scores",
]

#: China Standard Time has no daylight saving: a month of submission is UTC + 8 h.
CHINA_OFFSET_HOURS = 8
_KEY = ("unit_id", "period", "indicator_id")
_EXACT = 2**53
#: Count columns of :func:`monthly_request_metrics` (rates are derived from them).
METRIC_COUNTS = (
    "volume",
    "responded",
    "callbacks",
    "resolved",
    "satisfied",
    "overdue",
    "reopened",
)


def current_observations(obs: ir.Table, as_of_import_id: int | None = None) -> ir.Table:
    """The current version of every cell: unit_id, period, indicator_id, value, source, id."""
    t = obs if as_of_import_id is None else obs.filter(obs.import_id <= as_of_import_id)
    newest = t.group_by(list(_KEY)).aggregate(newest_id=t.id.max())
    cur = t.inner_join(newest, t.id == newest.newest_id)
    return cur.select("id", *_KEY, "value", "source", "import_id")


def panel_wide(
    obs: ir.Table, variables: Sequence[str], as_of_import_id: int | None = None
) -> ir.Table:
    """Current values pivoted to one row per (unit, period) and one column per variable.

    Variables are named up front (the scheme's indicators and denominators), so no backend has
    to discover the columns first; a cell nobody reported is null.
    """
    cur = current_observations(obs, as_of_import_id)
    cur = cur.filter(cur.indicator_id.isin(list(variables)))
    cols = {
        v: cur.value.max(where=cur.indicator_id == v)  # one row per cell: max is that row
        for v in variables
    }
    return cur.group_by(["unit_id", "period"]).aggregate(**cols)


def _rint(x: ir.FloatingValue) -> ir.IntegerValue:
    """Round half to even (NumPy's ``rint``), from floor and the fraction: every engine's own
    ``round`` differs at .5 (half away from zero in SQLite, PostgreSQL and Spark)."""
    f = x.floor().cast("int64")
    frac = x - f.cast("float64")
    up = ibis.cases((frac > 0.5, 1), (frac == 0.5, f % 2), else_=0)
    return f + up


def digit_counts(obs: ir.Table, decimals: int = 0, as_of_import_id: int | None = None) -> ir.Table:
    """Counts of first and last digits of current values per (unit_id, indicator_id).

    Columns: unit_id, indicator_id, test (``first`` | ``last``), digit, n. Equal to
    ``count_digits(values, decimals).counts("first" | "last")`` over the same values.
    """
    cur = current_observations(obs, as_of_import_id)
    cur = cur.filter((cur.value > 0) & (cur.value < 1e300))
    z = cur.mutate(z=_rint(cur.value * float(10**decimals)))
    z = z.filter(z.z >= 1)
    first = z.mutate(
        test=ibis.literal("first"), digit=z.z.cast("string").substr(0, 1).cast("int64")
    )
    lz = z.filter((z.z >= 10) & (z.z < _EXACT))
    last = lz.mutate(test=ibis.literal("last"), digit=(lz.z % 10).cast("int64"))
    cols = ["unit_id", "indicator_id", "test", "digit"]
    both = first.select(*cols).union(last.select(*cols), distinct=False)
    return both.group_by(cols).aggregate(n=both.count())


def _month(ts: ir.TimestampValue) -> ir.StringValue:
    """``YYYY-MM`` of a UTC timestamp in China time (UTC+8, no daylight saving).

    From the UTC calendar parts only, which every engine reads alike (SQLite has no
    ``timestamp + interval`` in Ibis, and deep integer arithmetic overflows its parser): the
    China month is the next one exactly when it is the month's last day and 16:00 UTC or later.
    """
    y, m, d = ts.year().cast("int64"), ts.month().cast("int64"), ts.day().cast("int64")
    leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
    last_day = ibis.cases(
        (m == 2, ibis.ifelse(leap, 29, 28)),
        (m.isin([4, 6, 9, 11]), 30),
        else_=31,
    )
    roll = (d == last_day) & (ts.hour() >= 24 - CHINA_OFFSET_HOURS)
    year = ibis.ifelse(roll & (m == 12), y + 1, y)
    month = ibis.cases((roll & (m == 12), 1), (roll, m + 1), else_=m)
    return year.cast("string") + "-" + month.cast("string").lpad(2, "0")


def request_facts(requests: ir.Table, events: ir.Table, as_of: dt.datetime) -> ir.Table:
    """One row per request dispatched to a unit by ``as_of`` (UTC), as ``request_facts``.

    Columns: request_id, unit_id, month, responded, called_back, resolved, satisfied, overdue,
    reopened, excluded (booleans as 0/1 integers, which every engine sums alike).
    """
    at = ibis.literal(as_of.astimezone(dt.UTC).replace(tzinfo=None), type="timestamp")
    ev = events.filter(events.at <= at)
    a = ev.action
    per = ev.group_by("request_id").aggregate(
        first_resp=ev.at.min(where=a.isin(["sign", "answer"])),
        last_done=ev.at.max(where=a.isin(["complete", "answer"])),
        last_cb_id=ev.id.max(where=a.startswith("callback")),
        last_dispatch_id=ev.id.max(where=a == "dispatch"),
        last_id=ev.id.max(),
        n_unsat=ev.count(where=a == "callback_unsatisfied"),
        n_excl=ev.count(where=a.isin(["merge", "flag"])),
    )
    cb = ev.select(cb_id=ev.id, cb_resolved=ev.resolved, cb_sat=ev.satisfaction)
    disp = ev.select(d_id=ev.id, unit_id=ev.unit_id)
    last = ev.select(l_id=ev.id, last_state=ev.state)
    req = requests.filter(requests.requested_at <= at)
    j = (
        req.inner_join(per, req.id == per.request_id)
        .inner_join(disp, per.last_dispatch_id == disp.d_id)
        .left_join(cb, per.last_cb_id == cb.cb_id)
        .inner_join(last, per.last_id == last.l_id)
    )
    closed = j.last_state.isin(["completed", "closed", "merged"])
    late_done = j.last_done.notnull() & (j.last_done > j.due_at)
    late_open = ~closed & (at > j.due_at)

    def flag(cond: ir.BooleanValue) -> ir.IntegerValue:
        return ibis.ifelse(cond, 1, 0).cast("int64")

    return j.select(
        request_id=j.id,
        unit_id=j.unit_id,
        month=_month(j.requested_at),
        responded=flag(j.first_resp.notnull() & (j.first_resp <= j.response_due_at)),
        called_back=flag(j.cb_sat.notnull()),
        resolved=flag(j.cb_resolved.cast("boolean").fill_null(False)),  # SQLite: 0/1
        satisfied=flag(j.cb_sat.fill_null(0) >= 2),
        overdue=flag(late_done | late_open),
        reopened=flag(j.n_unsat > 0),
        excluded=flag(j.n_excl > 0),
    )


def _rolled_up(facts: ir.Table, parents: ir.Table | None, depth: int) -> ir.Table:
    """Each fact once for its unit and once per ancestor in ``parents`` (unit_id → parent_id)."""
    cols = ["unit_id", "month", *METRIC_COUNTS[1:], "called_back"]
    base = facts.select(
        "unit_id",
        "month",
        "responded",
        "called_back",
        resolved=facts.resolved * facts.called_back,
        satisfied=facts.satisfied * facts.called_back,
        overdue=facts.overdue,
        reopened=facts.reopened,
    ).mutate(callbacks=facts.called_back)
    base = base.select(*cols)
    if parents is None:
        return base
    out, cur = base, base
    for _ in range(depth):
        par = parents.view()  # a fresh reference per level (self-joins)
        up = cur.inner_join(par, cur.unit_id == par.child_id)
        cur = up.select(unit_id=up.parent_id, **{c: up[c] for c in cols[1:]})
        out = out.union(cur, distinct=False)
    return out


def monthly_request_metrics(
    facts: ir.Table, units: ir.Table | None = None, depth: int = 3
) -> ir.Table:
    """Volume, counts and rates (percent) per (unit_id, month), like ``voice.metrics.monthly``.

    Excluded requests (merged duplicates, flagged malicious repeats) are left out. With
    ``units`` (``voice_units``: id, parent_id, level) townships roll up into their county;
    nothing rolls into a unit of level ``city`` (the dispatch centre). Rates: response, overdue
    and reopen over volume; resolution and satisfaction over callbacks (null without any).
    """
    flags = ("responded", "called_back", "resolved", "satisfied", "overdue", "reopened")
    f = facts.filter(facts.excluded == 0)
    # 0/1 flags as int64 whatever the source stored (int8 in Parquet, int64 from request_facts)
    f = f.mutate(**{c: f[c].cast("int64") for c in flags if f[c].type() != ibis.dtype("int64")})
    parents = None
    if units is not None:
        u2 = units.view()
        p = u2.select(p_id=u2.id, p_level=u2.level)
        edges = units.inner_join(p, units.parent_id == p.p_id)
        edges = edges.filter(edges.p_level != "city")
        parents = edges.select(child_id=edges.id, parent_id=edges.p_id)
    r = _rolled_up(f, parents, depth)
    g = r.group_by(["unit_id", "month"]).aggregate(
        volume=r.count(),
        responded=r.responded.sum(),
        callbacks=r.called_back.sum(),
        resolved=r.resolved.sum(),
        satisfied=r.satisfied.sum(),
        overdue=r.overdue.sum(),
        reopened=r.reopened.sum(),
    )

    def pct(num: ir.IntegerValue, den: ir.IntegerValue) -> ir.FloatingValue:
        rate = num.cast("float64") * 100.0 / den.cast("float64")
        return ibis.ifelse(den > 0, rate, ibis.null("float64"))

    return g.mutate(
        response_rate=pct(g.responded, g.volume),
        resolution_rate=pct(g.resolved, g.callbacks),
        satisfaction_rate=pct(g.satisfied, g.callbacks),
        overdue_rate=pct(g.overdue, g.volume),
        reopen_rate=pct(g.reopened, g.volume),
    )


def survey_participation(issuances: ir.Table, votes: ir.Table) -> ir.Table:
    """Per (survey_id, unit_id): households issued a token, votes cast, participation (%).

    Answers (JSON lists) are scored by ``zhengji.voice.survey_stats``; here only the counts,
    which every engine can compute without parsing JSON.
    """
    iss = issuances.group_by(["survey_id", "unit_id"]).aggregate(issued=issuances.count())
    v = votes.group_by(["survey_id", "unit_id"]).aggregate(votes=votes.count())
    v = v.select(v_survey=v.survey_id, v_unit=v.unit_id, votes=v.votes)
    j = iss.left_join(v, (iss.survey_id == v.v_survey) & (iss.unit_id == v.v_unit))
    n = j.votes.fill_null(0).cast("int64")
    return j.select(
        "survey_id",
        "unit_id",
        "issued",
        votes=n,
        participation=n.cast("float64") * 100.0 / j.issued.cast("float64"),
    )


def _compact_answers(answers: ir.Value) -> ir.StringValue:
    """A vote's answers as one character per item: ``[3, 10, 4]`` → ``"304"`` (``0`` is 10).

    String functions only (replace, length, substr), which every engine has alike, where JSON
    functions differ (SQLite's ``json_extract``, PostgreSQL's operators, Spark's
    ``get_json_object``). Answers are whole numbers 1–10 (``voice.surveys``: scale 3–10)."""
    s = answers.cast("string")
    for ch in (" ", "[", "]"):
        s = s.replace(ch, "")
    return s.replace("10", "0").replace(",", "")


def _answer_sums(votes: ir.Table) -> ir.Table:
    """Per vote: survey_id, unit_id, items answered (m) and the sum of the answers (s)."""
    c = _compact_answers(votes.answers)
    n = c.length().cast("int64")
    total: ir.IntegerValue = ibis.literal(0, type="int64")
    for v in range(1, 11):
        digit = "0" if v == 10 else str(v)
        total = total + (n - c.replace(digit, "").length().cast("int64")) * v
    return votes.select(
        survey_id=votes.survey_id.cast("int64"), unit_id=votes.unit_id.cast("string"), m=n, s=total
    )


def survey_scores(
    votes: ir.Table, scales: Mapping[int, int], units: ir.Table | None = None
) -> ir.Table:
    """Per (survey_id, level, unit_id): respondents n, mean score 0–100, its sd, and the
    empirical-Bayes shrunk score, as ``zhengji.voice.surveys.results`` computes them.

    A respondent's score is ``(mean answer − 1) / (scale − 1) · 100``; with ``units``
    (``voice_units``) each township's votes count again for its parent (``level`` "county"),
    pooled. ``scales``: survey id → Likert scale (``voice_surveys.scale``); other surveys are
    left out. Means and sds come from integer sums (exact on every engine); the shrinkage
    averages over units (``voice.survey_stats.shrink``, Morris 1983), whose floating sums
    each engine may add in its own order (agreement to ~1e-12, not bit for bit).
    """
    if not scales:
        raise MethodError("评议量表为空 survey_scores needs the scale of at least one survey")
    v = votes.filter(votes.survey_id.isin(list(scales)))
    per = _answer_sums(v).mutate(level=ibis.literal("township"))
    if units is not None:
        p = units.select(child=units.id, parent=units.parent_id)
        up = per.inner_join(p, per.unit_id == p.child)
        up = up.filter(up.parent.notnull())
        per = per.union(
            up.select(
                "survey_id",
                unit_id=up.parent.cast("string"),
                m=up.m,
                s=up.s,
                level=ibis.literal("county"),
            ),
            distinct=False,
        )
    scale = ibis.cases(*((per.survey_id == k, float(x)) for k, x in scales.items()))
    per = per.mutate(scale=scale)
    g = per.group_by(["survey_id", "level", "unit_id"]).aggregate(
        n=per.count(),
        m=per.m.max(),
        s1=per.s.sum(),
        s2=(per.s * per.s).sum(),
        scale=per.scale.max(),
    )
    n, s1 = g.n.cast("float64"), g.s1.cast("float64")
    unit = g.m.cast("float64") * (g.scale - 1.0)  # respondent score = (s / m − 1)/(scale − 1)·100
    mean = (s1 / (n * g.m.cast("float64")) - 1.0) / (g.scale - 1.0) * 100.0
    num = (g.n * g.s2 - g.s1 * g.s1).cast("float64")  # n·Σs² − (Σs)² exactly, in integers
    var = ibis.ifelse(g.n > 1, num / (n * (n - 1.0)) * (100.0 / unit) * (100.0 / unit), None)
    scored = g.select("survey_id", "level", "unit_id", "n", mean=mean, var=var)
    return _shrunk(scored)


def _shrunk(u: ir.Table) -> ir.Table:
    """Positive-part empirical-Bayes shrinkage of unit means within (survey, level)."""
    keys = ["survey_id", "level"]
    pool = u.group_by(keys).aggregate(
        k=u.count(), grand=u.mean.mean(), pooled=u.var.mean(where=u.n > 1)
    )
    pool = pool.select(
        g_survey=pool.survey_id,
        g_level=pool.level,
        k=pool.k,
        grand=pool.grand,
        pooled=pool.pooled.fill_null(0.0),
    )
    j = u.inner_join(pool, (u.survey_id == pool.g_survey) & (u.level == pool.g_level))
    j = j.mutate(vu=j.pooled / j.n.cast("float64"), dev2=(j.mean - j.grand) * (j.mean - j.grand))
    spread = j.group_by(keys).aggregate(ss=j.dev2.sum(), mean_v=j.vu.mean())
    spread = spread.select(s_survey=spread.survey_id, s_level=spread.level, ss=spread.ss,
                           mean_v=spread.mean_v)  # fmt: skip
    t = j.inner_join(spread, (j.survey_id == spread.s_survey) & (j.level == spread.s_level))
    k = t.k.cast("float64")
    between = t.ss / (k - 1.0) - t.mean_v
    tau2 = ibis.ifelse(between > 0.0, between, 0.0)
    ratio = (k - 3.0) / (k - 1.0) * t.vu / (t.vu + tau2)
    factor = ibis.ifelse(t.k < 4, 0.0, ibis.ifelse(ratio < 1.0, ratio, 1.0))
    return t.select(
        "survey_id",
        "level",
        "unit_id",
        "n",
        "mean",
        sd=t.var.sqrt(),
        shrunk=ibis.ifelse(t.k < 4, t.mean, t.grand + (1.0 - factor) * (t.mean - t.grand)),
        shrink_factor=factor,
        shrunk_sd=((1.0 - factor) * t.vu).sqrt(),
    )


def survey_item_means(votes: ir.Table, items: int) -> ir.Table:
    """Per (survey_id, unit_id, item 1..``items``): answers given and their mean (1..scale)."""
    if items < 1:
        raise MethodError(f"题目数应为正 survey_item_means needs items ≥ 1, got {items}")
    c = votes.select("survey_id", "unit_id", a=_compact_answers(votes.answers))
    parts = []
    for k in range(items):
        ch = c.a.substr(k, 1)
        x = c.filter(c.a.length() > k).mutate(
            item=ibis.literal(k + 1, type="int64"),
            x=ibis.ifelse(ch == "0", 10, ch.cast("int64")).cast("int64"),
        )
        parts.append(x.select("survey_id", "unit_id", "item", "x"))
    long = parts[0].union(*parts[1:], distinct=False) if len(parts) > 1 else parts[0]
    g = long.group_by(["survey_id", "unit_id", "item"]).aggregate(
        n=long.count(), total=long.x.sum()
    )
    return g.select(
        "survey_id", "unit_id", "item", "n",
        mean=g.total.cast("float64") / g.n.cast("float64"),
    )  # fmt: skip


# --- ecological accounts ---------------------------------------------------------------------
#: The levels of the eco chain (``eco_holders``: village → township → county).
ECO_LEVELS = ("village", "township", "county")


_TimeTest = Callable[[ir.TimestampValue], ir.BooleanValue]


def _by_and_after(as_of: dt.datetime) -> tuple[_TimeTest, _TimeTest]:
    """``x ≤ as_of`` and ``x > as_of`` against a literal with a non-zero microsecond: Ibis'
    SQLite backend compares the stored text (always ``…SS.ffffff``) with the literal's text,
    which drops a zero fraction (``…SS``), and would put a time equal to ``as_of`` after it."""
    t = as_of.astimezone(dt.UTC).replace(tzinfo=None)
    if t.microsecond == 999_999:
        at = ibis.literal(t, type="timestamp")
        return (lambda x: x <= at), (lambda x: x > at)
    nxt = ibis.literal(t + dt.timedelta(microseconds=1), type="timestamp")
    return (lambda x: x < nxt), (lambda x: x >= nxt)


def _counted_awards(
    entries: ir.Table,
    signoffs: ir.Table,
    objections: ir.Table,
    rulings: ir.Table,
    items: ir.Table,
    as_of: dt.datetime,
) -> ir.Table:
    """holder_id, dimension_id, points of every award that counts at ``as_of`` (UTC).

    The states of ``zhengji.eco.scoring.status`` (and ``eco.tally``): an award counts unless a
    reversal made by ``as_of`` reverses it, it is made after ``as_of``, it has expired
    (``valid_until ≤ as_of``), nobody signed it off by ``as_of``, an objection to it is open
    at ``as_of`` (raised by then, not ruled on by then), or its objection window is still open:
    only what was recorded by ``as_of`` decides, so the figure can be reproduced later."""
    by, after = _by_and_after(as_of)
    r = entries.view()
    r = r.filter((r.kind == "reversal") & by(r.awarded_at) & r.reverses_id.notnull())
    rev = r.select(rev_of=r.reverses_id).distinct()
    ru = rulings.filter(by(rulings.ruled_at)).select(r_obj=rulings.objection_id)
    raised = objections.filter(by(objections.raised_at))
    op = raised.left_join(ru, raised.id == ru.r_obj)
    open_ = op.filter(op.r_obj.isnull()).select(open_entry=op.entry_id).distinct()
    sig = signoffs.filter(by(signoffs.signed_at)).select(s_entry=signoffs.entry_id).distinct()
    it = items.select(i_pk=items.rulebook_pk, i_item=items.item_id, dimension_id=items.dimension_id)
    e = entries.filter(
        (entries.kind == "award")
        & by(entries.awarded_at)
        & after(entries.valid_until)
        & by(entries.objection_until)
    )
    j = (
        e.inner_join(it, (e.rulebook_pk == it.i_pk) & (e.item_id == it.i_item))
        .inner_join(sig, e.id == sig.s_entry)
        .left_join(rev, e.id == rev.rev_of)
        .left_join(open_, e.id == open_.open_entry)
    )
    j = j.filter(j.rev_of.isnull() & j.open_entry.isnull())
    return j.select(
        holder_id=j.holder_id, dimension_id=j.dimension_id, points=j.points.cast("int64")
    )


def _dim(d: str) -> str:
    return f"points_{d}"


def _capped(x: ir.IntegerValue, cap: int) -> ir.IntegerValue:
    return ibis.ifelse(x > cap, cap, x).cast("int64")


def eco_holder_points(
    holders: ir.Table,
    entries: ir.Table,
    signoffs: ir.Table,
    objections: ir.Table,
    rulings: ir.Table,
    items: ir.Table,
    rb: Rulebook,
    as_of: dt.datetime,
) -> ir.Table:
    """Per holder of ``eco_holders``: village_id, township_id, county_id, counted points per
    dimension of ``rb`` after its cap (one column each, ``points_<dimension>``) and ``points``
    after the total cap, as ``zhengji.eco.scoring.balances``; a holder without awards has 0.

    Points of a dimension the rulebook does not know (an older rulebook's) count uncapped
    towards the total, as in ``balances``. Integer arithmetic only: exact on every engine."""
    aw = _counted_awards(entries, signoffs, objections, rulings, items, as_of)
    dims = [d.id for d in rb.dimensions]
    per = aw.group_by("holder_id").aggregate(
        **{_dim(d): aw.points.sum(where=aw.dimension_id == d) for d in dims},
        other=aw.points.sum(where=~aw.dimension_id.isin(dims)),
    )
    per = per.select(
        h_id=per.holder_id,
        other=per.other.fill_null(0).cast("int64"),
        **{
            _dim(d.id): _capped(per[_dim(d.id)].fill_null(0).cast("int64"), d.cap)
            for d in rb.dimensions
        },
    )
    h = holders.select("id", "village_id", "township_id", "county_id")
    j = h.left_join(per, h.id == per.h_id)
    cols = {_dim(d): j[_dim(d)].fill_null(0).cast("int64") for d in dims}
    total: ir.IntegerValue = j.other.fill_null(0).cast("int64")
    for c in cols.values():
        total = total + c
    return j.select(
        holder_id=j.id,
        village_id=j.village_id,
        township_id=j.township_id,
        county_id=j.county_id,
        **cols,
        points=_capped(total, rb.total_cap),
    )


def _per_unit(points: ir.Table, dims: Sequence[str]) -> ir.Table:
    """Each holder once for its village, township and county; grouped per unit with the level
    it first appears at (a unit named at two levels is the lower, as ``eco.tally``)."""
    parts = [
        points.select(
            "points",
            *map(_dim, dims),
            unit_id=points[f"{lv}_id"],
            lvl=ibis.literal(k, type="int64"),
        )
        for k, lv in enumerate(ECO_LEVELS)
    ]
    long = parts[0].union(*parts[1:], distinct=False)
    g = long.group_by("unit_id").aggregate(
        holders=long.count(),
        participants=long.count(where=long.points > 0),
        score=long.points.sum(),
        lvl=long.lvl.min(),
        **{_dim(d): long[_dim(d)].sum() for d in dims},
    )
    level = ibis.cases(*((g.lvl == k, lv) for k, lv in enumerate(ECO_LEVELS)))
    return g.mutate(level=level)


def eco_participation(points: ir.Table) -> ir.Table:
    """Per village, township and county (unit_id, level): holders, participants (counted
    points > 0), participation (%) and mean score, as ``zhengji.eco.indicators.account_rows``.

    ``points`` is :func:`eco_holder_points`. Means of integer sums over a count, divided once:
    the same float on every engine and in Python."""
    g = _per_unit(points, [])
    n = g.holders.cast("float64")
    return g.select(
        "unit_id",
        "level",
        holders=g.holders.cast("int64"),
        participants=g.participants.cast("int64"),
        participation=g.participants.cast("float64") * 100.0 / n,
        mean_score=g.score.cast("float64") / n,
    )


def eco_points_by_dimension(points: ir.Table, dimensions: Sequence[str]) -> ir.Table:
    """Per (unit_id, level, dimension_id): mean points per holder after the dimension caps,
    as ``account_rows``'s ``eco_points_<dimension>`` (holders without awards count with 0).

    ``dimensions``: the rulebook's dimension ids (columns of :func:`eco_holder_points`)."""
    if not dimensions:
        raise MethodError("维度为空 eco_points_by_dimension needs at least one dimension")
    dims = list(dimensions)
    g = _per_unit(points, dims)
    n = g.holders.cast("float64")
    parts = [
        g.select(
            "unit_id",
            "level",
            dimension_id=ibis.literal(d),
            mean=g[_dim(d)].cast("float64") / n,
        )
        for d in dims
    ]
    return parts[0].union(*parts[1:], distinct=False) if len(parts) > 1 else parts[0]
