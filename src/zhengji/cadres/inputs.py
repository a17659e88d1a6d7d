"""Collect one person's inputs from the store: the adapter onto the other domains.

Everything the cadre rules read from elsewhere goes through this one module, so a change in
another domain's API is fixed here: stored assessment runs (``zhengji.store.ops.list_runs``:
per-unit ``score``; per-pillar scores when a run's unit carries ``nodes``), the accountability
records (``zhengji.accountability.service.load_records``; ``answerable_people`` and
``outcome_factor`` for who answers and how a fault-tolerance ruling scales it;
``checks.vanity_signs`` for 形象工程; project milestones for 慢作为; ``checks.check_decision``
for the decisions a person chaired), confirmed integrity findings
(``zhengji.store.findings.list_findings``), the evaluations of :mod:`.evaluations`, and — only
when ``[slow_requests] enabled`` — the 接诉即办 facts of ``zhengji.voice.facts.request_facts``
(:func:`with_requests`; a voice unit id is the assessment's unit id, ``zhengji.voice.units``).

平时考核 (routine): a quarter's record is what happened in it — outcomes observed, milestones
overdue at its end, rules broken by decisions the person chaired — and the office's quarterly
score if one was imported (source ``routine``, period ``2025-Q1``). The annual inputs carry the
record of each quarter in post, so the annual result can be recomputed with them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy.orm import Session

from zhengji.accountability.attribution import answerable_people, outcome_factor
from zhengji.accountability.checks import check_decision, vanity_signs
from zhengji.accountability.model import PRINCIPAL_POSTS, Records, Tenure
from zhengji.cadres.rules import share_of_window
from zhengji.errors import DataError

__all__ = [
    "World",
    "annual_inputs",
    "load_world",
    "parse_quarter",
    "quarter_bounds",
    "routine_inputs",
    "special_inputs",
    "term_inputs",
    "with_requests",
]


@dataclass(frozen=True)
class World:
    """What the collection reads, loaded once per batch."""

    records: Records
    #: (unit_id, year) → (score, {pillar: score})
    unit_scores: Mapping[tuple[str, int], tuple[float | None, Mapping[str, float]]]
    #: (person_id, period) → {source: score}
    evaluations: Mapping[tuple[str, str], Mapping[str, float]]
    #: confirmed falsification findings: (finding id, unit_id, years, summary)
    falsifications: tuple[tuple[int, str, tuple[int, ...], str], ...]
    vanity_projects: Mapping[str, str]  # project code → reason
    #: 接诉即办, only with ``[slow_requests] enabled``: (unit_id, month) → (requests, overdue)
    requests: Mapping[tuple[str, str], tuple[int, int]] | None = None
    #: voice unit → its parent (a county's figures include the units under it)
    request_parents: Mapping[str, str | None] = field(default_factory=dict)


def load_world(session: Session) -> World:
    from zhengji.accountability import service as acc
    from zhengji.cadres.evaluations import latest_evaluations
    from zhengji.store.findings import list_findings
    from zhengji.store.ops import list_runs

    scores: dict[tuple[str, int], tuple[float | None, Mapping[str, float]]] = {}
    for run in list_runs(session):  # oldest first: the latest run of a period wins
        try:
            year = int(run.period[:4])
        except ValueError:
            continue
        units = run.result.get("units", [])
        rebuilt = {} if any("nodes" in u for u in units) else _pillar_scores(session, run)
        for u in units:
            nodes = u.get("nodes") or rebuilt.get(u["unit_id"], {})
            pillars = {k: float(v) for k, v in nodes.items() if v is not None}
            scores[(u["unit_id"], year)] = (u.get("score"), pillars)
    records = acc.load_records(session)
    fals = tuple(
        (f.id, f.unit_id, tuple(sorted({int(p[:4]) for p in f.periods})), f.summary_zh)
        for f in list_findings(session)
        if f.state == "confirmed"
    )
    vanity = {
        v.subject.split(":", 1)[1]: v.reason_zh
        for v in vanity_signs(records.projects, records.outcomes)
    }
    return World(records, scores, latest_evaluations(session), fals, vanity)


def with_requests(session: Session, world: World, until: dt.date) -> World:
    """``world`` with the 接诉即办 counts per (handling unit, month of submission) as they
    stood at the end of ``until`` (China time): merged and malicious repeats left out, overdue
    as :mod:`zhengji.voice.metrics` defines it (超期率)."""
    from sqlalchemy import select

    from zhengji.store.schema_voice import VoiceUnitRow
    from zhengji.voice.facts import request_facts
    from zhengji.voice.limits import CHINA

    at = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), tzinfo=CHINA)
    f = request_facts(session, at)
    f = f.loc[~f["excluded"].astype(bool)]
    counts: dict[tuple[str, str], tuple[int, int]] = {}
    for (unit, month), g in f.groupby(["unit_id", "month"], sort=True):
        counts[(str(unit), str(month))] = (len(g), int(g["overdue"].astype(bool).sum()))
    parents = {u: p for u, p in session.execute(select(VoiceUnitRow.id, VoiceUnitRow.parent_id))}
    return replace(world, requests=counts, request_parents=parents)


def _under(parents: Mapping[str, str | None], unit_id: str) -> set[str]:
    """``unit_id`` and every unit below it."""
    out, grew = {unit_id}, True
    while grew:
        more = {u for u, p in parents.items() if p in out and u not in out}
        out |= more
        grew = bool(more)
    return out


def _led_requests(
    world: World, mine: Sequence[Tenure], lo: dt.date, hi: dt.date
) -> list[dict[str, Any]]:
    """慢作为 evidence from 接诉即办: per principal post held in [lo, hi], the requests handled
    by that unit (and the units under it) submitted in the months the person held it, and how
    many were overdue. Months are whole (a month partly in post counts), as the metrics."""
    counts = world.requests or {}
    out = []
    for t in sorted(mine, key=lambda t: (t.start, t.code)):
        a, b = max(t.start, lo), min(t.end or hi, hi)
        if t.post not in PRINCIPAL_POSTS or a > b:
            continue
        first, last = f"{a:%Y-%m}", f"{b:%Y-%m}"
        units = _under(world.request_parents, t.unit_id)
        n = k = 0
        for (unit, month), (rn, rk) in counts.items():
            if unit in units and first <= month <= last:
                n, k = n + rn, k + rk
        if n:
            out.append({"tenure": t.code, "unit_id": t.unit_id, "months": [first, last],
                        "requests": n, "overdue": k})  # fmt: skip
    return out


def _requests(world: World, mine: Sequence[Tenure], lo: dt.date, hi: dt.date) -> dict[str, Any]:
    """The ``requests`` key of the inputs, only when they were collected (so inputs stored
    without it keep their fingerprints)."""
    return {} if world.requests is None else {"requests": _led_requests(world, mine, lo, hi)}


def _pillar_scores(session: Session, run: Any) -> dict[str, dict[str, float | None]]:
    """Pillar scores of a stored run that does not carry them: the run rebuilt from the store
    (its scheme TOML and the panel as of its import), as ``zhengji reproduce`` does."""
    import math

    from zhengji.engine.assess import assess
    from zhengji.scheme.load import parse_scheme
    from zhengji.store.ops import load_panel

    if not run.unit_ids:
        return {}
    scheme = parse_scheme(run.scheme_toml)
    panel = load_panel(session, scheme, run.as_of_import_id, list(run.unit_ids))
    a = assess(scheme, panel, run.period)
    out: dict[str, dict[str, float | None]] = {}
    for k, uid in enumerate(a.unit_ids):
        out[uid] = {}
        for p in scheme.pillars:
            v = float(a.node_scores[p.id][k]) if p.id in a.node_scores else math.nan
            out[uid][p.id] = None if math.isnan(v) else round(v, 6)
    return out


def _year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def quarter_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    """First and last day of a calendar quarter (1–4)."""
    lo = dt.date(year, 3 * quarter - 2, 1)
    nxt = dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1)
    return lo, nxt - dt.timedelta(days=1)


def parse_quarter(label: str) -> tuple[int, int]:
    """``2025-Q3`` → (2025, 3); anything else is an error saying the form."""
    try:
        year_text, q_text = label.strip().upper().split("-Q")
        year, quarter = int(year_text), int(q_text)
    except ValueError:
        year, quarter = 0, 0
    if not (1900 <= year <= 9999 and 1 <= quarter <= 4):
        raise DataError(
            f"平时考核的期间应为季度，如 2025-Q3 a routine period is a quarter, not '{label}'"
        )
    return year, quarter


def _milestones(
    world: World, person_id: str, lo: dt.date, hi: dt.date, only: set[str] | None = None
) -> list[dict[str, Any]]:
    """Milestones of the person's projects that were late at some point of [lo, hi]: due by
    ``hi`` and not reached by then, or reached late inside the window. ``via`` says why they
    answer: their role on the project's responsibility list, and/or ``led`` (a principal post
    in the project's unit); either way only while they held a post in that unit."""
    r = world.records
    roles: dict[str, set[str]] = {}
    for x in r.responsibilities:
        if x.person_id == person_id:
            roles.setdefault(x.project_code, set()).add(x.role)
    unit_of = {p.code: p.unit_id for p in r.projects}
    mine = [t for t in r.tenures if t.person_id == person_id]
    out = []
    for m in sorted(r.milestones, key=lambda m: (m.due, m.project_code, m.name)):
        unit = unit_of.get(m.project_code)
        if (only is not None and m.project_code not in only) or unit is None or m.due > hi:
            continue
        reached = m.reached_on if m.reached_on is not None and m.reached_on <= hi else None
        if reached is not None and (reached <= m.due or reached < lo):
            continue
        a, b = max(lo, m.due), reached or hi
        posts = [t for t in mine if t.unit_id == unit and t.start <= b and (t.end or b) >= a]
        via = set(roles.get(m.project_code, ())) if posts else set()
        if any(t.post in PRINCIPAL_POSTS for t in posts):
            via.add("led")
        if not via:
            continue
        out.append(
            {"project_code": m.project_code, "name": m.name, "unit_id": unit,
             "due": m.due.isoformat(), "reached_on": reached.isoformat() if reached else None,
             "days_late": ((reached or hi) - m.due).days, "via": sorted(via)}
        )  # fmt: skip
    return out


def _procedures(world: World, person_id: str, lo: dt.date, hi: dt.date) -> list[dict[str, Any]]:
    """Decisions the person chaired in [lo, hi] that broke a collective-decision rule."""
    out = []
    for d in sorted(world.records.decisions, key=lambda d: (d.held_on, d.code)):
        if d.principal_id != person_id or not lo <= d.held_on <= hi:
            continue
        problems = [v.reason_zh for v in check_decision(d) if v.severity == "violation"]
        if problems:
            out.append({"code": d.code, "held_on": d.held_on.isoformat(), "problems": problems})
    return out


def _quarter(
    world: World, person_id: str, year: int, quarter: int, mine: Sequence[Tenure]
) -> dict[str, Any]:
    """The running record of one quarter (平时考核)."""
    lo, hi = quarter_bounds(year, quarter)
    label = f"{year}-Q{quarter}"
    share = min(1.0, sum(share_of_window(t.start, t.end, lo, hi) for t in mine))
    return {
        "label": label, "window": [lo.isoformat(), hi.isoformat()], "share": round(share, 6),
        "evaluation": world.evaluations.get((person_id, label), {}).get("routine"),
        "outcomes": _outcomes(world, person_id, lambda o: lo <= o.observed_on <= hi, mine),
        "milestones": _milestones(world, person_id, lo, hi),
        "procedures": _procedures(world, person_id, lo, hi),
    }  # fmt: skip


def _posts(
    world: World, mine: Sequence[Tenure], lo: dt.date, hi: dt.date, year: int | None
) -> list[dict[str, Any]]:
    posts = []
    for t in sorted(mine, key=lambda t: (t.start, t.code)):
        share = share_of_window(t.start, t.end, lo, hi)
        if share <= 0:
            continue
        score, used = _post_score(world, t, [(year, 1.0)]) if year else (None, [])
        posts.append(
            {"tenure": t.code, "unit_id": t.unit_id, "post": t.post, "pillars": list(t.pillars),
             "share": round(share, 6), "score": score, "pillars_used": used}
        )  # fmt: skip
    return posts


def _post_score(
    world: World, t: Tenure, years: Sequence[tuple[int, float]]
) -> tuple[float | None, list[str]]:
    """Time-weighted unit (or pillar) score over ``years`` (year, weight)."""
    num = den = 0.0
    used: set[str] = set()
    for year, w in years:
        score, pillars = world.unit_scores.get((t.unit_id, year), (None, {}))
        mine = [pillars[p] for p in t.pillars if p in pillars] if t.post == "deputy" else []
        if mine:
            used.update(p for p in t.pillars if p in pillars)
            x: float | None = sum(mine) / len(mine)
        else:
            x = score
        if x is None or w <= 0:
            continue
        num += w * x
        den += w
    return (num / den if den > 0 else None), sorted(used)


def _outcomes(
    world: World, person_id: str, keep: Any, tenures: Sequence[Tenure]
) -> list[dict[str, Any]]:
    out = []
    r = world.records
    for o in sorted(r.outcomes, key=lambda o: (o.observed_on, o.code)):
        role = answerable_people(r, o).get(person_id)
        if role is None or not keep(o):
            continue
        factor, ruling = (1.0, "") if o.kind == "good" else outcome_factor(r, o.code, person_id)
        in_unit = any(
            t.unit_id == o.unit_id and t.person_id == person_id and t.holds_on(o.observed_on)
            for t in tenures
        )
        out.append(
            {
                "code": o.code, "kind": o.kind, "points": o.points, "factor": factor,
                "ruling": ruling, "role": role, "unit_id": o.unit_id,
                "project_code": o.project_code, "decision_code": o.decision_code,
                "observed_on": o.observed_on.isoformat(), "description": o.description,
                "after_leaving": not in_unit,
            }
        )  # fmt: skip
    return out


def _vetoes(
    world: World,
    person_id: str,
    outcomes: Sequence[Mapping[str, Any]],
    led: Sequence[tuple[str, set[int]]],
) -> list[dict[str, Any]]:
    vetoes = []
    for fid, unit_id, years, summary in world.falsifications:
        if any(u == unit_id and ys & set(years) for u, ys in led):
            vetoes.append(
                {
                    "kind": "falsification",
                    "ref": f"finding:{fid}",
                    "reason_zh": f"经确认的数据造假：{summary}",
                }
            )
    seen: set[str] = set()
    for o in outcomes:
        p = o["project_code"]
        if o["kind"] == "bad" and o["factor"] > 0 and p in world.vanity_projects and p not in seen:
            seen.add(p)
            vetoes.append(
                {
                    "kind": "vanity",
                    "ref": f"project:{p}",
                    "reason_zh": f"形象工程：{world.vanity_projects[p]}",
                }
            )
    return vetoes


def _led_years(tenures: Sequence[Tenure], lo: dt.date, hi: dt.date) -> list[tuple[str, set[int]]]:
    led = []
    for t in tenures:
        if t.post in PRINCIPAL_POSTS:
            a, b = max(t.start, lo), min(t.end or hi, hi)
            if a <= b:
                led.append((t.unit_id, set(range(a.year, b.year + 1))))
    return led


def _evals(world: World, person_id: str, periods: Sequence[tuple[str, float]]) -> dict[str, float]:
    num: dict[str, float] = {}
    den: dict[str, float] = {}
    for period, w in periods:
        for src, v in world.evaluations.get((person_id, period), {}).items():
            num[src] = num.get(src, 0.0) + w * v
            den[src] = den.get(src, 0.0) + w
    return {k: round(num[k] / den[k], 4) for k in sorted(num) if den[k] > 0}


def annual_inputs(world: World, person_id: str, year: int) -> dict[str, Any]:
    lo, hi = _year_bounds(year)
    mine = [t for t in world.records.tenures if t.person_id == person_id]
    posts = _posts(world, mine, lo, hi, year)
    outcomes = _outcomes(world, person_id, lambda o: lo <= o.observed_on <= hi, mine)
    quarters = [_quarter(world, person_id, year, q, mine) for q in range(1, 5)]
    return {
        "person_id": person_id, "kind": "annual", "label": str(year),
        "window": [lo.isoformat(), hi.isoformat()], "posts": posts,
        "evaluations": _evals(world, person_id, [(str(year), 1.0)]),
        "outcomes": outcomes,
        "vetoes": _vetoes(world, person_id, outcomes, _led_years(mine, lo, hi)),
        "milestones": _milestones(world, person_id, lo, hi),
        "routine": [q for q in quarters if q["share"] > 0],
        **_requests(world, mine, lo, hi),
    }  # fmt: skip


def routine_inputs(world: World, person_id: str, label: str) -> dict[str, Any]:
    """One quarter's running record (平时考核), ``label`` like ``2025-Q3``."""
    year, quarter = parse_quarter(label)
    lo, hi = quarter_bounds(year, quarter)
    mine = [t for t in world.records.tenures if t.person_id == person_id]
    q = _quarter(world, person_id, year, quarter, mine)
    return {
        **q, "person_id": person_id, "kind": "routine", "posts": _posts(world, mine, lo, hi, None),
        "evaluations": {} if q["evaluation"] is None else {"routine": q["evaluation"]},
        "vetoes": [], **_requests(world, mine, lo, hi),
    }  # fmt: skip


def term_inputs(world: World, tenure_code: str, as_of: dt.date) -> dict[str, Any]:
    """The whole tenure, with every outcome of what was started in it, observed up to
    ``as_of`` — also after the person left ("功成不必在我" credited, "击鼓传花" not escaped)."""
    t = next((x for x in world.records.tenures if x.code == tenure_code), None)
    if t is None:
        raise DataError(f"没有任职记录 no tenure '{tenure_code}'")
    lo, hi = t.start, min(t.end or as_of, as_of)
    years = [
        (y, float(max(0, (min(hi, dt.date(y, 12, 31)) - max(lo, dt.date(y, 1, 1))).days + 1)))
        for y in range(lo.year, hi.year + 1)
    ]
    score, used = _post_score(world, t, years)
    posts = [
        {"tenure": t.code, "unit_id": t.unit_id, "post": t.post, "pillars": list(t.pillars),
         "share": 1.0, "score": score, "pillars_used": used}
    ]  # fmt: skip
    r = world.records
    started = {p.code for p in r.projects if p.unit_id == t.unit_id and lo <= p.start <= hi}
    held = {d.code for d in r.decisions if d.unit_id == t.unit_id and lo <= d.held_on <= hi}

    def keep(o: Any) -> bool:
        return o.observed_on <= as_of and (o.project_code in started or o.decision_code in held)

    outcomes = _outcomes(world, t.person_id, keep, [t])
    return {
        "person_id": t.person_id, "kind": "term", "label": t.code,
        "window": [lo.isoformat(), hi.isoformat()], "as_of": as_of.isoformat(), "posts": posts,
        "evaluations": _evals(world, t.person_id, [(str(y), w) for y, w in years]),
        "outcomes": outcomes,
        "vetoes": _vetoes(world, t.person_id, outcomes, _led_years([t], lo, hi)),
        "milestones": _milestones(world, t.person_id, lo, hi),
        **_requests(world, [t], lo, hi),
    }  # fmt: skip


def special_inputs(
    world: World, person_id: str, programme: str, projects: Sequence[str], as_of: dt.date
) -> dict[str, Any]:
    """One programme (a set of projects): its outcomes up to ``as_of`` and the programme's
    evaluations (period = the programme id)."""
    codes = set(projects)
    outcomes = _outcomes(
        world,
        person_id,
        lambda o: o.project_code in codes and o.observed_on <= as_of,
        [t for t in world.records.tenures if t.person_id == person_id],
    )
    return {
        "person_id": person_id, "kind": "special", "label": programme,
        "window": ["", as_of.isoformat()], "posts": [], "projects": sorted(codes),
        "evaluations": _evals(world, person_id, [(programme, 1.0)]),
        "outcomes": outcomes, "vetoes": _vetoes(world, person_id, outcomes, []),
        "milestones": _milestones(world, person_id, dt.date.min, as_of, codes),
    }  # fmt: skip
