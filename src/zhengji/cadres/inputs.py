"""Collect one person's inputs from the store: the adapter onto the other domains.

Everything the cadre rules read from elsewhere goes through this one module, so a change in
another domain's API is fixed here: stored assessment runs (``zhengji.store.ops.list_runs``:
per-unit ``score``; per-pillar scores when a run's unit carries ``nodes``), the accountability
records (``zhengji.accountability.service.load_records``; ``answerable_people`` and
``outcome_factor`` for who answers and how a fault-tolerance ruling scales it;
``checks.vanity_signs`` for 形象工程), confirmed integrity findings
(``zhengji.store.findings.list_findings``) and the evaluations of :mod:`.evaluations`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from zhengji.accountability.attribution import answerable_people, outcome_factor
from zhengji.accountability.checks import vanity_signs
from zhengji.accountability.model import PRINCIPAL_POSTS, Records, Tenure
from zhengji.cadres.rules import share_of_window
from zhengji.errors import DataError

__all__ = ["World", "annual_inputs", "load_world", "special_inputs", "term_inputs"]


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
    posts = []
    for t in sorted(mine, key=lambda t: (t.start, t.code)):
        share = share_of_window(t.start, t.end, lo, hi)
        if share <= 0:
            continue
        score, used = _post_score(world, t, [(year, 1.0)])
        posts.append(
            {"tenure": t.code, "unit_id": t.unit_id, "post": t.post, "pillars": list(t.pillars),
             "share": round(share, 6), "score": score, "pillars_used": used}
        )  # fmt: skip
    outcomes = _outcomes(world, person_id, lambda o: lo <= o.observed_on <= hi, mine)
    return {
        "person_id": person_id, "kind": "annual", "label": str(year),
        "window": [lo.isoformat(), hi.isoformat()], "posts": posts,
        "evaluations": _evals(world, person_id, [(str(year), 1.0)]),
        "outcomes": outcomes,
        "vetoes": _vetoes(world, person_id, outcomes, _led_years(mine, lo, hi)),
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
    }  # fmt: skip
