"""A year of synthetic citizen requests and one mass-evaluation round for the demo world
(示例数据（模拟）): deterministic by seed, written with bulk inserts.

``populate(store, seed)`` adds ~50,000 requests of 2025 to the 10 counties and 50 townships
of :mod:`zhengji.demo.world` (same unit ids), each with its whole event history, and a survey
of 60 sampled households per township. Every unit has an invented "quality" that drives its
response times, on-time completion and citizens' satisfaction, so the monthly ranking has
something to show. ``ranking_rows(store, month)`` is the 接诉即办 table ``zhengji demo`` prints.
One township (``PLANTED_SURVEY_UNIT``) gets an organised block of identical votes from one
network in one 10-minute slot, which the survey integrity signals must catch;
``screen_survey(store)`` stores those signals as integrity findings for review (after the
township bundle is imported, so the townships are the assessment's units).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import func, select

from zhengji.demo import SYNTHETIC_LABEL
from zhengji.demo.catalogue import COUNTIES, township_units
from zhengji.store import Store
from zhengji.store.schema_voice import (
    VoiceEventRow,
    VoiceRequesterRow,
    VoiceRequestRow,
    VoiceSurveyIssuanceRow,
    VoiceSurveySpentRow,
    VoiceSurveyTokenRow,
    VoiceVoteRow,
)
from zhengji.voice import catalogue
from zhengji.voice.facts import monthly_table
from zhengji.voice.limits import default_limits, is_workday
from zhengji.voice.metrics import ranking
from zhengji.voice.surveys import (
    DEFAULT_ITEMS,
    SurveyScreen,
    create_survey,
    record_signals,
    token_hash,
)
from zhengji.voice.units import Unit, register_units

__all__ = [
    "CITY",
    "N_REQUESTS",
    "PLANTED_SURVEY_UNIT",
    "SURVEY_CODE",
    "YEAR",
    "Populated",
    "demo_units",
    "populate",
    "ranking_rows",
    "screen_survey",
]

CITY = "tongren"
YEAR = 2025
N_REQUESTS = 50_000
SURVEY_CODE = "demo-2025"
SAMPLE_PER_TOWNSHIP = 60
PLANTED_SURVEY_UNIT = "sinan_t2"
_CHANNELS = (
    ("phone", 0.60),
    ("open311", 0.25),
    ("web", 0.05),
    ("visit", 0.06),
    ("reception", 0.04),
)
_SERVICE_WEIGHTS = {
    "policy_consult": 14,
    "social_security": 10,
    "water_outage": 6,
    "road_repair": 14,
    "sanitation": 13,
    "noise": 9,
    "pollution": 5,
    "wage_arrears": 6,
    "cadre_conduct": 3,
    "suggestion": 6,
    "safety_hazard": 2,
}


def _core(row: Any) -> Any:
    """The Core table of an ORM class: executemany in one round trip (the ORM's bulk path
    falls back to one statement per row here)."""
    return row.__table__.insert()


@dataclass(frozen=True)
class Populated:
    requests: int
    events: int
    votes: int
    survey_code: str


def demo_units() -> list[Unit]:
    """The city, its 10 counties and 50 townships with invented centroids."""
    out = [Unit(CITY, "铜仁市", None, "city", 27.72, 109.19)]
    rng = np.random.default_rng(7)
    centres = {}
    for i, c in enumerate(COUNTIES):
        lat, lon = 27.3 + 0.15 * (i % 5) * 2, 108.3 + 0.25 * (i // 5) * 3
        centres[c.id] = (lat, lon)
        out.append(Unit(c.id, c.name, CITY, "county", lat, lon))
    for tid, name, county in township_units():
        lat, lon = centres[county]
        out.append(
            Unit(
                tid,
                name,
                county,
                "township",
                round(lat + rng.uniform(-0.1, 0.1), 4),
                round(lon + rng.uniform(-0.1, 0.1), 4),
            )
        )
    return out


def _workday_table(year: int) -> Any:
    start = dt.date(year, 1, 1)
    days = [start + dt.timedelta(days=i) for i in range(0, 450)]
    return np.array([d.toordinal() for d in days if is_workday(d)], dtype=np.int64)


def _due_days(ordinals: Any, n: Any, workdays: Any) -> Any:
    """Ordinal of the n-th working day after each day (vectorised add_working_days)."""
    idx = np.searchsorted(workdays, ordinals, side="right") + n - 1
    return workdays[np.minimum(idx, len(workdays) - 1)]


_EPOCH = 719163 * 86400.0 + 8 * 3600  # China-time seconds on the ordinal scale → Unix


def _ts(x: np.ndarray) -> list[dt.datetime]:
    """China-time seconds (day ordinal · 86400 + seconds) → aware UTC datetimes."""
    return list(pd.to_datetime(x - _EPOCH, unit="s", utc=True).to_pydatetime())


def populate(store: Store, seed: int = 20251, n_requests: int = N_REQUESTS) -> Populated:
    """Write the demo requests and survey into ``store`` (once; a second call adds nothing)."""
    units = demo_units()
    with store.transaction() as s:
        register_units(s, units)
        if s.scalar(select(func.count()).select_from(VoiceRequestRow)):
            return Populated(0, 0, 0, SURVEY_CODE)
        n_ev = _requests(s, units, seed, n_requests)
        votes = _survey(s, units, seed)
    return Populated(n_requests, n_ev, votes, SURVEY_CODE)


def _quality(units: list[Unit], seed: int) -> dict[str, float]:
    rng = np.random.default_rng((seed, 401))
    return {u.id: float(rng.normal()) for u in units}


def _requests(s: Any, units: list[Unit], seed: int, n: int) -> int:
    rng = np.random.default_rng((seed, 400))
    limits = default_limits()
    q = _quality(units, seed)
    towns = [u for u in units if u.level == "township"]
    county_pop = {c.id: c.population for c in COUNTIES}
    w_town = np.array([county_pop[t.parent_id or ""] for t in towns]) * rng.uniform(
        0.6, 1.4, len(towns)
    )
    town_idx = rng.choice(len(towns), n, p=w_town / w_town.sum())
    codes = list(_SERVICE_WEIGHTS)
    w_svc = np.array(list(_SERVICE_WEIGHTS.values()), float)
    svc_idx = rng.choice(len(codes), n, p=w_svc / w_svc.sum())
    chan = rng.choice([c for c, _ in _CHANNELS], n, p=[p for _, p in _CHANNELS])
    start = dt.date(YEAR, 1, 1).toordinal()
    day = np.sort(start + rng.integers(0, 365, n))
    secs = (rng.normal(14, 3.5, n).clip(0, 23.9) * 3600).astype(int)
    workdays = _workday_table(YEAR)
    svcs = [catalogue.service(codes[i]) for i in svc_idx]
    cats = [limits.category(sv.category) for sv in svcs if sv is not None]
    unit = [
        towns[t].id if sv is not None and sv.scope == "township" else towns[t].parent_id
        for t, sv in zip(town_idx, svcs, strict=True)
    ]
    qual = np.array([q[u or ""] for u in unit])
    days_lim = np.array([c.days or 0 for c in cats])
    hours_lim = np.array([c.hours or 0.0 for c in cats])
    resp_lim = np.array([c.response_hours for c in cats])
    req_t = day * 86400.0 + secs  # China-time seconds on the ordinal scale
    due_day = _due_days(day, np.maximum(days_lim, 1), workdays)
    due_t = np.where(days_lim > 0, (due_day + 1) * 86400.0, req_t + hours_lim * 3600)
    resp_due_t = req_t + resp_lim * 3600
    # unit behaviour: response in hours, completion as a share of the limit, satisfaction
    resp_h = rng.exponential(np.exp(2.2 - 0.6 * qual)) * np.where(resp_lim < 3, 0.15, 1.0)
    sign_t = req_t + resp_h * 3600
    span = due_t - req_t
    share = rng.beta(2.0, 3.0 + 1.2 * qual.clip(-1.5, 3))
    share = np.where(
        rng.random(n) < 0.06 * np.exp(-0.6 * qual), 1.0 + rng.exponential(0.6, n), share
    )
    done_t = np.maximum(sign_t + 600, req_t + share * span)
    end_of_year = (dt.date(YEAR + 1, 1, 1).toordinal()) * 86400.0
    completed = done_t < end_of_year - 2 * 86400
    called = completed & (rng.random(n) < 0.9)
    p_sat = 1 / (1 + np.exp(-(1.3 + 0.9 * qual - 1.2 * (share > 1))))
    satisfied = rng.random(n) < p_sat
    resolved = rng.random(n) < np.clip(p_sat + 0.05, 0, 1)
    cb_t = done_t + rng.uniform(0.3, 2.0, n) * 86400
    sat_level = np.where(satisfied, np.where(rng.random(n) < 0.7, 3, 2), 1)
    returned = rng.random(n) < 0.03
    merged = rng.random(n) < 0.02
    flagged = rng.random(n) < 0.004
    answered = np.array([sv is not None and sv.category == "consultation" for sv in svcs]) & (
        rng.random(n) < 0.5
    )

    req_ts = _ts(req_t)
    now = dt.datetime(YEAR + 1, 1, 2, tzinfo=dt.UTC)
    base_id = 1 + int(s.scalar(select(func.coalesce(func.max(VoiceRequestRow.id), 0))))
    ids = np.arange(base_id, base_id + n)
    toks = [hashlib.sha256(f"{seed}:{i}".encode()).hexdigest()[:32] for i in ids]
    due_ts = _ts(due_t)
    resp_ts = _ts(resp_due_t)
    rows = []
    for k in range(n):
        t = towns[town_idx[k]]
        sv = svcs[k]
        assert sv is not None
        rows.append(
            {
                "id": int(ids[k]),
                "jurisdiction_id": t.parent_id,
                "township_id": t.id,
                "service_code": sv.code,
                "category": sv.category,
                "channel": str(chan[k]),
                "description": f"{sv.name.split()[0]}（示例数据（模拟））",
                "address": f"{t.name}",
                "address_id": t.id,
                "lat": t.lat,
                "long": t.long,
                "media_url": None,
                "attributes": {},
                "extra": {"synthetic": True},
                "client_id": None,
                "idempotency_key": None,
                "token": toks[k],
                "requested_at": req_ts[k],
                "response_due_at": resp_ts[k],
                "due_at": due_ts[k],
                "recorded_at": req_ts[k],
            }
        )
    s.connection().execute(_core(VoiceRequestRow), rows)
    phones = rng.integers(10**7, 10**8, n)
    s.connection().execute(
        _core(VoiceRequesterRow),
        [
            {
                "request_id": int(ids[k]),
                "name": None,
                "phone": f"139{phones[k]}",
                "email": None,
                "device_id": None,
                "account_id": None,
            }
            for k in range(n)
            if chan[k] != "reception"
        ],
    )

    def at(x: float) -> dt.datetime:
        return dt.datetime.fromtimestamp(x - _EPOCH, dt.UTC)

    ev: list[dict[str, Any]] = []
    neighbours = {
        t.id: [o.id for o in towns if o.parent_id == t.parent_id and o.id != t.id] for t in towns
    }
    for k in range(n):
        rid, u = int(ids[k]), unit[k]
        actor = "12345中心"

        def e(
            action: str,
            state: str,
            when: float,
            who: str | None,
            actor: str = actor,
            rid: int = rid,
            **kw: Any,
        ) -> None:
            if when < end_of_year:
                ev.append(
                    {
                        "request_id": rid,
                        "action": action,
                        "state": state,
                        "unit_id": who,
                        "actor": actor,
                        "note": kw.get("note"),
                        "resolved": kw.get("resolved"),
                        "satisfaction": kw.get("satisfaction"),
                        "related_id": kw.get("related_id"),
                        "at": at(when),
                        "recorded_at": now,
                    }
                )

        e("accept", "accepted", req_t[k], None)
        if answered[k]:
            e("answer", "completed", req_t[k] + 600, u)
            continue
        if returned[k] and svcs[k] is not None and svcs[k].scope == "township":  # type: ignore[union-attr]
            wrong = neighbours[towns[town_idx[k]].id][k % 4]
            e("dispatch", "dispatched", req_t[k] + 60, wrong)
            e(
                "return",
                "returned",
                req_t[k] + 3600 * 3,
                wrong,
                actor=wrong,
                note="非本辖区 not our area",
            )
            e("dispatch", "dispatched", req_t[k] + 3600 * 4, u)
        else:
            e("dispatch", "dispatched", req_t[k] + 60, u)
        if merged[k] and k > 0:
            e(
                "merge",
                "merged",
                req_t[k] + 3600,
                u,
                related_id=int(ids[k - 1]),
                note="重复诉求 duplicate",
            )
            continue
        if flagged[k]:
            e("flag", "dispatched", req_t[k] + 1800, u, note="恶意重复 repeated submissions")
        e("sign", "signed", sign_t[k], u, actor=str(u))
        e("process", "processing", sign_t[k] + 1800, u, actor=str(u))
        if not completed[k]:
            continue
        e("complete", "completed", done_t[k], u, actor=str(u))
        if not called[k]:
            continue
        if satisfied[k]:
            e(
                "callback_satisfied",
                "closed",
                cb_t[k],
                u,
                satisfaction=int(sat_level[k]),
                resolved=bool(resolved[k]),
            )
        else:
            e(
                "callback_unsatisfied",
                "reopened",
                cb_t[k],
                u,
                satisfaction=1,
                resolved=bool(resolved[k] and rng.random() < 0.3),
            )
            t2 = cb_t[k] + 86400 * rng.uniform(1, 6)
            e("sign", "signed", t2, u, actor=str(u))
            e("complete", "completed", t2 + 86400 * rng.uniform(0.5, 4), u, actor=str(u))
            e("callback_satisfied", "closed", t2 + 86400 * 5, u, satisfaction=2, resolved=True)
    for i in range(0, len(ev), 50_000):
        s.connection().execute(_core(VoiceEventRow), ev[i : i + 50_000])
    return len(ev)


def _survey(s: Any, units: list[Unit], seed: int) -> int:
    rng = np.random.default_rng((seed, 402))
    q = _quality(units, seed)
    survey = create_survey(
        s,
        SURVEY_CODE,
        "2025 年度群众评议（示例数据（模拟））",
        str(YEAR),
        "考核办 demo",
        DEFAULT_ITEMS,
        5,
    )
    towns = [u for u in units if u.level == "township"]
    issuance, tokens, spent, votes = [], [], [], []
    when = dt.datetime(YEAR, 12, 1, tzinfo=dt.UTC)
    n_items = len(DEFAULT_ITEMS)
    for t in towns:
        for h in range(SAMPLE_PER_TOWNSHIP):
            issuance.append(
                {
                    "survey_id": survey.id,
                    "unit_id": t.id,
                    "household_ref": f"{t.id}-hh{h:03d}",
                    "issued_by": "乡镇评议组 demo",
                    "issued_at": when,
                }
            )
            token = f"{seed}-{t.id}-{rng.integers(1 << 62)}"
            tokens.append(
                {"token_hash": token_hash(token), "survey_id": survey.id, "unit_id": t.id}
            )
            if rng.random() > 0.7:
                continue
            spent.append({"token_hash": token_hash(token)})
            planted = t.id == PLANTED_SURVEY_UNIT and h < 25
            if planted:
                answers = [5] * n_items
                day, slot, dur, net = "2025-12-06", 62, int(rng.integers(6, 12)), 4242
            else:
                mu = 3.4 + 0.35 * q[t.parent_id or ""] + 0.2 * q[t.id] + rng.normal(0, 0.4)
                answers = [int(x) for x in np.clip(np.rint(rng.normal(mu, 0.8, n_items)), 1, 5)]
                day = (
                    dt.date(YEAR, 12, 1) + dt.timedelta(days=int(rng.integers(0, 14)))
                ).isoformat()
                slot, dur = int(rng.integers(48, 130)), int(rng.integers(40, 400))
                net = int(rng.integers(0, 65536))
            votes.append(
                {
                    "id": hashlib.sha256(token.encode()).hexdigest()[:32][::-1],
                    "survey_id": survey.id,
                    "unit_id": t.id,
                    "answers": answers,
                    "cast_day": day,
                    "cast_slot": slot,
                    "duration_s": dur,
                    "network_tag": net,
                }
            )
    s.connection().execute(_core(VoiceSurveyIssuanceRow), issuance)
    s.connection().execute(
        _core(VoiceSurveyTokenRow), sorted(tokens, key=lambda r: str(r["token_hash"]))
    )
    s.connection().execute(
        _core(VoiceSurveySpentRow), sorted(spent, key=lambda r: str(r["token_hash"]))
    )
    s.connection().execute(_core(VoiceVoteRow), sorted(votes, key=lambda r: str(r["id"])))
    return len(votes)


def screen_survey(store: Store) -> SurveyScreen:
    """Store the demo survey's integrity signals as findings under the township scheme (its
    falsification veto applies on confirmation); a second call finds them stored and adds
    nothing."""
    from importlib import resources

    from zhengji.scheme import parse_scheme

    text = resources.files("zhengji.demo").joinpath("scheme_township.toml").read_text("utf-8")
    with store.transaction() as s:
        return record_signals(s, SURVEY_CODE, parse_scheme(text, source="scheme_township.toml"))


def ranking_rows(
    store: Store, month: str | None = None, level: str = "county"
) -> list[dict[str, Any]]:
    """The monthly 接诉即办 ranking of the demo (default: the last month, counties).

    Each row: rank, unit_id, name, volume, response_rate, resolution_rate, satisfaction_rate,
    composite, overdue_rate, reopen_rate (percent), plus ``label`` = 示例数据（模拟）.
    """
    with store.transaction() as s:
        table = monthly_table(s, default_limits(), dt.datetime(YEAR + 1, 1, 1, tzinfo=dt.UTC))
        names = {u.id: u.name for u in demo_units()}
    if table.empty:
        return []
    m = month or str(table["month"].max())
    out = []
    for r in ranking(table, m, level).to_dict("records"):
        out.append(
            {
                "month": m,
                "rank": int(r["rank"]),
                "unit_id": r["unit_id"],
                "name": names.get(r["unit_id"], r["unit_id"]),
                "volume": int(r["volume"]),
                **{
                    k: float(r[k])
                    for k in (
                        "response_rate",
                        "resolution_rate",
                        "satisfaction_rate",
                        "composite",
                        "overdue_rate",
                        "reopen_rate",
                    )
                },
                "label": SYNTHETIC_LABEL,
            }
        )
    return out
