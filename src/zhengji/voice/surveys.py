"""Mass evaluation 群众评议: surveys, one-time anonymous tokens, votes, results.

Why a stored vote cannot be traced to a person (docs/voice.md has the full argument; the
tests check each point):

1. The issuance record says household H of township T received *a* token; it holds no token,
   no hash, no batch position. Tokens are generated in memory, shuffled, and stored only as
   SHA-256 hashes with their survey and township — no sequence number, no time (the tables
   are WITHOUT ROWID on SQLite and keyed by the hash, so even physical order is hash order).
2. Voting marks the hash as spent (one vote per token) and stores the answers under a fresh
   random id, with the day, a 10-minute slot, the time taken and a 16-bit keyed hash of the
   network prefix (for flood detection) — never the token, its hash or an exact time.
3. So a vote links at most to its township: every household of the township's sample is an
   equally possible author (anonymity set = sample size). What software cannot prevent —
   someone noting which printed token went to which door — is a matter of the distribution
   procedure (tokens handed out in sealed envelopes drawn at random).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import ipaddress
import math
import random
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Table, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from zhengji.bundle.model import ObservationRow
from zhengji.errors import DataError
from zhengji.integrity.findings import Finding, with_qvalues
from zhengji.scheme.model import Scheme
from zhengji.store.findings import list_findings, record_screen
from zhengji.store.schema import FindingRow, UnitRecord
from zhengji.store.schema_voice import (
    VoiceSurveyIssuanceRow,
    VoiceSurveyRow,
    VoiceSurveySpentRow,
    VoiceSurveyTokenRow,
    VoiceUnitRow,
    VoiceVoteRow,
)
from zhengji.voice.limits import CHINA, to_utc
from zhengji.voice.survey_stats import (
    integrity_signals,
    respondent_scores,
    shrink,
    unit_scores,
)

__all__ = [
    "DEFAULT_ITEMS",
    "Survey",
    "SurveyScreen",
    "TokenError",
    "cast_vote",
    "create_survey",
    "draw_sample",
    "get_survey",
    "issue_tokens",
    "network_tag",
    "normalise_token",
    "observation_rows",
    "record_signals",
    "results",
    "signals",
    "token_hash",
    "token_status",
]

# Core tables: one executemany per batch (the ORM bulk path would add per-row work)
_ISSUANCES: Table = VoiceSurveyIssuanceRow.__table__  # type: ignore[assignment]
_TOKENS: Table = VoiceSurveyTokenRow.__table__  # type: ignore[assignment]
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
DEFAULT_ITEMS: tuple[tuple[str, str], ...] = (
    ("responsive", "办事效率与回应群众诉求 responsiveness to citizens"),
    ("services", "公共服务（教育、医疗、养老） public services"),
    ("environment", "生态环境与村容村貌 environment"),
    ("integrity", "干部作风与廉洁 conduct and integrity of officials"),
    ("overall", "总体满意程度 overall satisfaction"),
)


class TokenError(DataError):
    """The token is unknown, spent, or for another survey."""


@dataclass(frozen=True)
class Survey:
    id: int
    code: str
    title: str
    period: str
    items: tuple[tuple[str, str], ...]
    scale: int
    tag_key: str


def create_survey(
    session: Session,
    code: str,
    title: str,
    period: str,
    created_by: str,
    items: Sequence[tuple[str, str]] = DEFAULT_ITEMS,
    scale: int = 5,
) -> Survey:
    if not 3 <= scale <= 10:
        raise DataError(f"量表级数应在 3–10 之间 scale must be 3–10, got {scale}")
    if not items:
        raise DataError("至少一个题目 a survey needs at least one item")
    if session.scalar(select(VoiceSurveyRow.id).where(VoiceSurveyRow.code == code)):
        raise DataError(f"评议编号已存在 survey '{code}' already exists")
    key = secrets.token_hex(32)
    sid = session.execute(
        insert(VoiceSurveyRow)
        .values(
            code=code,
            title=title,
            period=period,
            items=[list(i) for i in items],
            scale=scale,
            tag_key=key,
            created_by=created_by,
            created_at=dt.datetime.now(dt.UTC),
        )
        .returning(VoiceSurveyRow.id)
    ).scalar_one()
    return Survey(int(sid), code, title, period, tuple((a, b) for a, b in items), scale, key)


def get_survey(session: Session, code: str) -> Survey:
    row = session.scalars(select(VoiceSurveyRow).where(VoiceSurveyRow.code == code)).first()
    if row is None:
        raise DataError(f"没有评议 no survey '{code}'")
    return Survey(
        row.id,
        row.code,
        row.title,
        row.period,
        tuple((a, b) for a, b in row.items),
        row.scale,
        row.tag_key,
    )


def draw_sample(
    households: Mapping[str, Sequence[str]], per_unit: int, seed: int
) -> dict[str, list[str]]:
    """A simple random sample of ``per_unit`` households per township (all if fewer)."""
    rng = np.random.default_rng(seed)
    out = {}
    for unit in sorted(households):
        frame = list(households[unit])
        k = min(per_unit, len(frame))
        idx: list[int] = rng.choice(len(frame), size=k, replace=False).tolist() if k else []
        out[unit] = sorted(frame[i] for i in idx)
    return out


def normalise_token(token: str) -> str:
    t = token.strip().upper().replace("-", "").replace(" ", "")
    return t.translate(str.maketrans("ILO", "110"))


def token_hash(token: str) -> str:
    return hashlib.sha256(normalise_token(token).encode("ascii")).hexdigest()


def _new_token() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def issue_tokens(
    session: Session, survey: Survey, sample: Mapping[str, Sequence[str]], issued_by: str
) -> dict[str, list[str]]:
    """Issue one token per sampled household; returns the tokens per township, shuffled, to
    print. Only hashes are stored, apart from the issuance records (see module doc)."""
    units = set(session.scalars(select(VoiceUnitRow.id)))
    unknown = sorted(set(sample) - units)
    if unknown:
        raise DataError(f"未知单位 unknown units {unknown[:5]}")
    now = dt.datetime.now(dt.UTC)
    issuance = [
        {
            "survey_id": survey.id,
            "unit_id": u,
            "household_ref": h,
            "issued_by": issued_by,
            "issued_at": now,
        }
        for u in sorted(sample)
        for h in sample[u]
    ]
    tokens = {u: [_new_token() for _ in sample[u]] for u in sorted(sample)}
    rows = [
        {"token_hash": token_hash(t), "survey_id": survey.id, "unit_id": u}
        for u, ts in tokens.items()
        for t in ts
    ]
    random.SystemRandom().shuffle(rows)
    if issuance:
        session.connection().execute(_ISSUANCES.insert(), issuance)
        session.connection().execute(_TOKENS.insert(), rows)
    for ts in tokens.values():
        random.SystemRandom().shuffle(ts)
    return tokens


def token_status(session: Session, token: str) -> tuple[str, str | None]:
    """``("valid" | "spent" | "unknown", survey code)`` — what a voting page shows first."""
    h = token_hash(token)
    row = session.get(VoiceSurveyTokenRow, h)
    if row is None:
        return "unknown", None
    code = session.scalar(select(VoiceSurveyRow.code).where(VoiceSurveyRow.id == row.survey_id))
    spent = session.get(VoiceSurveySpentRow, h) is not None
    return ("spent" if spent else "valid"), code


def network_tag(key: str, address: str | None) -> int | None:
    """A 16-bit keyed hash of the /24 (IPv4) or /48 (IPv6) prefix; None if unknown."""
    if not address:
        return None
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    net = ipaddress.ip_network(f"{ip}/{24 if ip.version == 4 else 48}", strict=False)
    digest = hmac.new(bytes.fromhex(key), str(net).encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:2], "big")


def cast_vote(
    session: Session,
    token: str,
    answers: Sequence[int],
    *,
    started_at: dt.datetime | None = None,
    address: str | None = None,
    at: dt.datetime | None = None,
) -> str:
    """Record one vote for a valid, unspent token; returns the survey code.

    Raises :class:`TokenError` (unknown or already used) or :class:`DataError` (answers).
    """
    h = token_hash(token)
    tok = session.get(VoiceSurveyTokenRow, h)
    if tok is None:
        raise TokenError("评议码无效 unknown token: check it was typed correctly")
    srow = session.get(VoiceSurveyRow, tok.survey_id)
    assert srow is not None
    n_items = len(srow.items)
    if len(answers) != n_items or not all(
        isinstance(a, int) and 1 <= a <= srow.scale for a in answers
    ):
        raise DataError(f"答案无效 answers must be {n_items} whole numbers from 1 to {srow.scale}")
    try:
        with session.begin_nested():
            session.execute(insert(VoiceSurveySpentRow).values(token_hash=h))
    except IntegrityError:
        raise TokenError("该评议码已使用 this token has already been used to vote") from None
    when = to_utc(at or dt.datetime.now(dt.UTC)).astimezone(CHINA)
    duration = None
    if started_at is not None:
        duration = max(0, int((when - to_utc(started_at)).total_seconds()))
    session.execute(
        insert(VoiceVoteRow).values(
            id=secrets.token_hex(16),
            survey_id=srow.id,
            unit_id=tok.unit_id,
            answers=list(answers),
            cast_day=when.date().isoformat(),
            cast_slot=(when.hour * 60 + when.minute) // 10,
            duration_s=duration,
            network_tag=network_tag(srow.tag_key, address),
        )
    )
    return srow.code


def _votes(session: Session, survey: Survey) -> pd.DataFrame:
    rows = session.execute(
        select(
            VoiceVoteRow.unit_id,
            VoiceVoteRow.answers,
            VoiceVoteRow.cast_day,
            VoiceVoteRow.cast_slot,
            VoiceVoteRow.duration_s,
            VoiceVoteRow.network_tag,
        )
        .where(VoiceVoteRow.survey_id == survey.id)
        .order_by(VoiceVoteRow.id)
    ).all()
    return pd.DataFrame(rows, columns=["unit_id", "answers", "day", "slot", "duration", "net"])


def _parents(session: Session) -> dict[str, tuple[str | None, str]]:
    return {
        u: (p, lvl)
        for u, p, lvl in session.execute(
            select(VoiceUnitRow.id, VoiceUnitRow.parent_id, VoiceUnitRow.level)
        )
    }


def results(session: Session, code: str) -> pd.DataFrame:
    """Per unit (townships, and counties pooling their townships' respondents): n, mean score
    0–100 with a 95 % t-interval, the shrunk score, its shrinkage factor and sd, the
    response rate (votes / tokens issued)."""
    survey = get_survey(session, code)
    votes = _votes(session, survey)
    cols = [
        "unit_id",
        "level",
        "issued",
        "n",
        "response_rate",
        "mean",
        "ci_low",
        "ci_high",
        "shrunk",
        "shrink_factor",
        "shrunk_sd",
    ]
    if votes.empty:
        return pd.DataFrame(columns=cols)
    units = _parents(session)
    scores = respondent_scores(np.array(votes["answers"].tolist()), survey.scale)
    issued: dict[str, int] = {}
    for (u,) in session.execute(
        select(VoiceSurveyTokenRow.unit_id).where(VoiceSurveyTokenRow.survey_id == survey.id)
    ):
        issued[u] = issued.get(u, 0) + 1
    frames: list[pd.DataFrame] = []
    for level_units, level in (
        (votes["unit_id"], "township"),
        (votes["unit_id"].map(lambda u: units.get(u, (None, ""))[0]), "county"),
    ):
        by: dict[str, np.ndarray] = {}
        for u in sorted(set(level_units.dropna())):
            by[u] = scores[(level_units == u).to_numpy()]
        us = unit_scores(by)
        if not us:
            continue
        pooled = (
            float(np.nanmean([s.sd**2 for s in us if s.n > 1])) if any(s.n > 1 for s in us) else 0.0
        )
        sh = shrink([s.mean for s in us], [pooled / s.n for s in us])
        iss = {
            u: sum(v for k, v in issued.items() if k == u or units.get(k, (None,))[0] == u)
            for u in by
        }
        frames.append(
            pd.DataFrame(
                {
                    "unit_id": [s.unit_id for s in us],
                    "level": level,
                    "issued": [iss[s.unit_id] for s in us],
                    "n": [s.n for s in us],
                    "response_rate": [
                        s.n / iss[s.unit_id] * 100 if iss[s.unit_id] else math.nan for s in us
                    ],
                    "mean": [s.mean for s in us],
                    "ci_low": [s.ci_low for s in us],
                    "ci_high": [s.ci_high for s in us],
                    "shrunk": sh.means,
                    "shrink_factor": sh.factors,
                    "shrunk_sd": sh.sds,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)[cols]


def observation_rows(table: pd.DataFrame, survey: Survey) -> list[ObservationRow]:
    """The shrunk scores as ``mass_evaluation`` observations (indicator ``survey_score``)."""
    return [
        ObservationRow(
            str(r["unit_id"]),
            survey.period,
            "survey_score",
            float(r["shrunk"]),
            "mass_evaluation",
            {"basis": f"n={int(r['n'])}; raw={r['mean']:.1f}; survey={survey.code}"},
        )
        for r in table.to_dict("records")
    ]


def signals(session: Session, code: str) -> list[Finding]:
    """Integrity signals of a survey's votes per township (see ``survey_stats``)."""
    survey = get_survey(session, code)
    v = _votes(session, survey)
    if v.empty:
        return []
    days = pd.to_datetime(v["day"]).map(lambda d: d.toordinal()).to_numpy()
    slots = days * 144 + v["slot"].to_numpy()
    dur = np.asarray(v["duration"].astype(float).to_numpy(), dtype=np.float64)
    net = np.asarray(v["net"].fillna(-1).astype(int).to_numpy(), dtype=np.int64)
    return integrity_signals(
        survey.code,
        survey.period,
        v["unit_id"].tolist(),
        np.array(v["answers"].tolist()),
        slots,
        dur,
        net,
    )


@dataclass(frozen=True)
class SurveyScreen:
    """A survey's integrity signals as stored for review (``zhengji survey screen``).

    ``recorded`` is False when the same signals were already stored: re-screening an unchanged
    survey points at the earlier screen instead of adding a duplicate.
    """

    screen_id: int
    findings: tuple[Finding, ...]
    recorded: bool


def _named(session: Session, found: Sequence[Finding]) -> list[Finding]:
    """Put the township's name in front of each summary, so a reviewer reading the findings
    list sees where without looking the id up."""
    names = dict(session.execute(select(VoiceUnitRow.id, VoiceUnitRow.name)).all())
    out = []
    for f in found:
        name = names.get(f.unit_id, f.unit_id)
        out.append(
            dataclasses.replace(
                f,
                summary_zh=f"{name}（{f.unit_id}）群众评议：{f.summary_zh}",
                summary_en=f"{f.unit_id} survey: {f.summary_en}",
            )
        )
    return out


def _key(scope: str, check: str, stat: float | None, p: float | None) -> tuple[str, ...]:
    def num(x: float | None) -> str:
        return "nan" if x is None or x != x else f"{x:.12g}"

    return (scope, check, num(stat), num(p))


def record_signals(session: Session, code: str, scheme: Scheme) -> SurveyScreen:
    """Store a survey's integrity signals as one integrity screen, as the eco anti-fraud
    signals are (:func:`zhengji.eco.screen.record_findings`), so the office reviews them in
    the findings workflow (explain, confirm → the scheme's falsification veto, dismiss,
    withdraw). Townships not in the assessment's units become scopes ``*…`` (reviewable, not
    confirmable). Q-values are over this survey's tests.

    Idempotent for unchanged votes: when the latest screen of this survey holds the same
    findings, nothing is added and that screen is returned.
    """
    survey = get_survey(session, code)
    raw = signals(session, code)
    if not raw:
        raise DataError(
            f"评议 '{code}' 尚无投票 survey '{code}' has no votes yet: screen it once voting "
            "has closed"
        )
    known = set(session.scalars(select(UnitRecord.id)))
    found = [
        f if f.unit_id in known else dataclasses.replace(f, unit_id=f"*{f.unit_id}")
        for f in _named(session, with_qvalues(raw))
    ]
    indicator = f"survey:{survey.code}"
    last = session.scalar(
        select(func.max(FindingRow.screen_id)).where(FindingRow.indicator_id == indicator)
    )
    if last is not None:
        before = sorted(
            _key(f.unit_id, f.check, f.statistic, f.p_value) for f in list_findings(session, last)
        )
        now = sorted(_key(f.unit_id, f.check, f.statistic, f.p_value) for f in found)
        if before == now:
            return SurveyScreen(int(last), tuple(found), False)
    sid = record_screen(
        session,
        scheme,
        found,
        None,
        [
            {
                "check": "survey",
                "survey": survey.code,
                "note": "群众评议真实性信号 mass-evaluation survey integrity signals",
            }
        ],
    )
    return SurveyScreen(sid, tuple(found), True)


_: Any = None
