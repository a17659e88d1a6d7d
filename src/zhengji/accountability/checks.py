"""Rule checks over accountability records: results are data (violations with reasons).

Each check is a pure function from records to :class:`Violation` values, with the reason in
Chinese and English and the rule's source, so the CLI, the dossier and later the web app show
the same thing and tests can assert on it. ``severity`` is ``violation`` (a rule was broken)
or ``signal`` (a pattern worth a look, not proof: e.g. no dissent over many decisions).

Sources of the rules (see ``docs/accountability.md``):

* 末位表态 — seed essay: "严格落实'三重一大'决策制度……坚持末位表态……防止个人专断、'一言堂'";
  《党政领导干部选拔任用工作条例》(2019): "党委（党组）主要负责人应当最后表态".
* Quorum — 《党委（党组）讨论决定干部任免事项守则》(中组部) 第3条 and the 2019 条例:
  干部任免 "必须有三分之二以上成员到会", decided by "应到会成员超过半数同意"; other
  三重一大 matters: more than half of the members present (the general 议事规则 rule).
* Recusal — 守则 第7条: "凡涉及与会人员本人及其亲属的，本人必须回避".
* Outside meetings — 守则 第8、10条: no 书记办公会 or 圈阅 instead of the meeting; "不准个人决定".
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import pairwise

from zhengji.accountability.model import (
    DECISION_TYPES,
    POSTS,
    PRINCIPAL_POSTS,
    Decision,
    Outcome,
    Project,
    Tenure,
)

__all__ = [
    "QUORUM",
    "SOURCES",
    "VanityRule",
    "Violation",
    "check_decision",
    "check_decisions",
    "check_tenures",
    "turnover_periods",
    "vanity_signs",
]

SOURCES: Mapping[str, str] = {
    "last_word": "种子文章“坚持末位表态”；《党政领导干部选拔任用工作条例》(2019)"
    "“主要负责人应当最后表态”",
    "quorum": "《党委（党组）讨论决定干部任免事项守则》第3条；"
    "《党政领导干部选拔任用工作条例》(2019)",
    "recusal": "《党委（党组）讨论决定干部任免事项守则》第7条（回避）",
    "one_man": "种子文章“防止个人专断、‘一言堂’”；守则第8、10条（不准个人决定）",
    "tenure": "任职记录的一致性 consistency of the tenure record",
    "vanity": "种子文章“对不顾发展全局、侵害群众利益的‘政绩工程’，进行终身问责”",
}

#: decision type → (share of members that must attend, attendance must *exceed* it?).
#: 干部任免: at least two thirds; everything else: more than half.
QUORUM: Mapping[str, tuple[Fraction, bool]] = {
    "cadre_appointment": (Fraction(2, 3), False),
    "major_decision": (Fraction(1, 2), True),
    "major_project": (Fraction(1, 2), True),
    "large_funds": (Fraction(1, 2), True),
}
#: A body with at least this many decisions and never a dissent or a vote against is a signal.
NO_DISSENT_MIN = 10


@dataclass(frozen=True)
class Violation:
    """One broken rule (or signal) about one record; ``subject`` is e.g. ``decision:D-7``."""

    check: str
    subject: str
    unit_id: str
    severity: str  # violation / signal
    reason_zh: str
    reason_en: str
    source: str

    def as_dict(self) -> dict[str, str]:
        return {
            "check": self.check,
            "subject": self.subject,
            "unit_id": self.unit_id,
            "severity": self.severity,
            "reason_zh": self.reason_zh,
            "reason_en": self.reason_en,
            "source": self.source,
        }


# --- decisions (三重一大) -------------------------------------------------------------------------
def check_decision(d: Decision) -> list[Violation]:
    """The rules one decision must pass on its own."""
    out: list[Violation] = []
    subject = f"decision:{d.code}"

    def add(check: str, zh: str, en: str, source: str, severity: str = "violation") -> None:
        out.append(Violation(check, subject, d.unit_id, severity, zh, en, SOURCES[source]))

    if not d.meeting.strip():
        add(
            "outside_meeting",
            "未经会议集体讨论作出决定（如圈阅、书记办公会代替），属个人决定",
            "decided outside a meeting of the body (e.g. by circulation or a secretary's "
            "office meeting): a decision by one person",
            "one_man",
        )
    if len(set(d.speakers)) == 1:
        add(
            "single_speaker",
            "只有一人发表意见，未经充分讨论（一言堂迹象）",
            "only one person stated a position: no real discussion (a sign of one-man rule)",
            "one_man",
        )
    if d.principal_id in d.speakers and d.speakers[-1] != d.principal_id:
        pos = d.speakers.index(d.principal_id) + 1
        add(
            "last_word",
            f"主要负责人未末位表态：在{len(d.speakers)}人中第{pos}个发言",
            f"the principal leader did not speak last: spoke {pos} of {len(d.speakers)}",
            "last_word",
        )
    members = set(d.members)
    present = len(members & set(d.attendees))
    share, strict = QUORUM.get(d.type, (Fraction(1, 2), True))
    if members:
        ratio = Fraction(present, len(members))
        short = ratio <= share if strict else ratio < share
        if short:
            rule_zh = ("超过" if strict else "不少于") + _frac_zh(share)
            rule_en = ("more than " if strict else "at least ") + _frac_en(share)
            add(
                "quorum",
                f"到会人数不足：应到{len(members)}人，实到{present}人，"
                f"{DECISION_TYPES.get(d.type, (d.type,))[0]}须{rule_zh}成员到会",
                f"no quorum: {present} of {len(members)} members present; "
                f"a {d.type} needs {rule_en} of the members",
                "quorum",
            )
        if d.votes and d.votes_for * 2 <= len(members):
            add(
                "majority",
                f"同意票未超过应到会成员半数：{d.votes_for}/{len(members)}",
                f"votes for do not exceed half of the members: {d.votes_for}/{len(members)}",
                "quorum",
            )
    for p in d.recusals:
        if p in d.votes or p in d.speakers:
            add(
                "recusal",
                f"应回避成员 {p} 仍参与了{'表决' if p in d.votes else '发言'}",
                f"recused member {p} still {'voted' if p in d.votes else 'spoke'}",
                "recusal",
            )
    outsiders = sorted(p for p in d.votes if members and p not in members)
    if outsiders:
        add(
            "non_member_vote",
            f"非成员参与表决：{', '.join(outsiders)}",
            f"non-members voted: {', '.join(outsiders)}",
            "quorum",
        )
    return out


def check_decisions(
    decisions: Sequence[Decision], no_dissent_min: int = NO_DISSENT_MIN
) -> list[Violation]:
    """Every decision's own rules, plus the body-level sign of one-man rule: many decisions
    and never a dissent, a vote against, an abstention or a deferral."""
    out: list[Violation] = []
    for d in decisions:
        out.extend(check_decision(d))
    by_unit: dict[str, list[Decision]] = defaultdict(list)
    for d in decisions:
        by_unit[d.unit_id].append(d)
    for unit, ds in sorted(by_unit.items()):
        contested = any(d.dissent or any(v != "for" for v in d.votes.values()) for d in ds)
        if len(ds) >= no_dissent_min and not contested:
            out.append(
                Violation(
                    "never_dissent",
                    f"unit:{unit}",
                    unit,
                    "signal",
                    f"{len(ds)}项决策从未记录不同意见或反对票（一言堂迹象，需核实）",
                    f"{len(ds)} decisions and not one dissent or vote against recorded "
                    "(a sign of one-man rule; to be checked)",
                    SOURCES["one_man"],
                )
            )
    return out


def _frac_zh(f: Fraction) -> str:
    return {Fraction(1, 2): "半数", Fraction(2, 3): "三分之二"}.get(f, str(f))


def _frac_en(f: Fraction) -> str:
    return {Fraction(1, 2): "half", Fraction(2, 3): "two thirds"}.get(f, str(f))


# --- tenures ------------------------------------------------------------------------------------
def check_tenures(
    tenures: Iterable[Tenure], max_gap_days: int = 0, today: dt.date | None = None
) -> list[Violation]:
    """Overlaps and gaps in the principal posts of each unit, and impossible dates.

    Two holders of one principal post at once is a violation (one of the records is wrong);
    a vacancy longer than ``max_gap_days`` between holders is a signal (often legitimate, but
    the dossier must say who answered for the unit meanwhile).
    """
    out: list[Violation] = []
    groups: dict[tuple[str, str], list[Tenure]] = defaultdict(list)
    for t in tenures:
        if t.end is not None and t.end < t.start:
            out.append(
                Violation(
                    "dates",
                    f"tenure:{t.code}",
                    t.unit_id,
                    "violation",
                    f"任职结束日期 {t.end} 早于开始日期 {t.start}",
                    f"tenure ends ({t.end}) before it starts ({t.start})",
                    SOURCES["tenure"],
                )
            )
            continue
        if t.post in PRINCIPAL_POSTS:
            groups[(t.unit_id, t.post)].append(t)
    for (unit, post), ts in sorted(groups.items()):
        ts.sort(key=lambda t: (t.start, t.code))
        post_zh, post_en = POSTS[post]
        for a, b in pairwise(ts):
            a_end = a.end or dt.date.max
            if b.start <= a_end:
                out.append(
                    Violation(
                        "overlap",
                        f"tenure:{b.code}",
                        unit,
                        "violation",
                        f"{post_zh}任职重叠：{a.code}（{a.person_id}）与{b.code}（{b.person_id}）"
                        f"自{b.start}起同时在任",
                        f"{post_en}: tenures {a.code} ({a.person_id}) and {b.code} "
                        f"({b.person_id}) overlap from {b.start}",
                        SOURCES["tenure"],
                    )
                )
            elif a.end is not None and (b.start - a.end).days - 1 > max_gap_days:
                days = (b.start - a.end).days - 1
                out.append(
                    Violation(
                        "gap",
                        f"tenure:{b.code}",
                        unit,
                        "signal",
                        f"{post_zh}空缺{days}天：{a.end}至{b.start}之间无人在任",
                        f"{post_en} vacant for {days} days between {a.end} and {b.start}",
                        SOURCES["tenure"],
                    )
                )
        last = ts[-1]
        if today is not None and last.end is not None and last.end < today:
            out.append(
                Violation(
                    "vacant",
                    f"tenure:{last.code}",
                    unit,
                    "signal",
                    f"{post_zh}自{last.end}起无任职记录",
                    f"{post_en}: no holder recorded since {last.end}",
                    SOURCES["tenure"],
                )
            )
    return out


def turnover_periods(
    tenures: Iterable[Tenure], posts: Sequence[str] = PRINCIPAL_POSTS
) -> dict[str, tuple[str, ...]]:
    """unit id → the years (``"YYYY"``) in which a holder of one of ``posts`` changed.

    A change is a tenure that starts after an earlier tenure of the same post in the same unit
    (the first holder on record is not a change). The integrity screen uses this: figures
    reported in a turnover year are where an outgoing leader's last numbers or an incoming
    leader's "clean slate" tend to bend.
    """
    groups: dict[tuple[str, str], list[Tenure]] = defaultdict(list)
    for t in tenures:
        if t.post in posts:
            groups[(t.unit_id, t.post)].append(t)
    years: dict[str, set[str]] = defaultdict(set)
    for (unit, _post), ts in groups.items():
        ts.sort(key=lambda t: (t.start, t.code))
        for prev, t in pairwise(ts):
            if t.person_id != prev.person_id:
                years[unit].add(f"{t.start.year:04d}")
    return {u: tuple(sorted(ys)) for u, ys in sorted(years.items())}


# --- vanity projects (形象工程) ----------------------------------------------------------------
@dataclass(frozen=True)
class VanityRule:
    """Thresholds of the vanity-project screen (conventions of this system, documented).

    A project is flagged when its borrowing is heavy — debt ≥ ``debt_share`` of the budget, or
    ≥ ``debt_to_revenue`` of the unit's yearly general budget revenue — *and* it is little used
    after acceptance (latest measured utilisation < ``low_use``).
    """

    debt_share: float = 0.6
    debt_to_revenue: float = 0.5
    low_use: float = 0.3


def vanity_signs(
    projects: Iterable[Project], outcomes: Iterable[Outcome], rule: VanityRule = VanityRule()
) -> list[Violation]:
    """Projects showing the signs of a 形象工程: heavy debt and low use after acceptance."""
    latest_use: dict[str, tuple[dt.date, float]] = {}
    for o in outcomes:
        if o.project_code is None or o.utilisation is None:
            continue
        prev = latest_use.get(o.project_code)
        if prev is None or o.observed_on >= prev[0]:
            latest_use[o.project_code] = (o.observed_on, o.utilisation)
    out: list[Violation] = []
    for p in projects:
        debt = p.debt
        share = debt / p.budget if p.budget > 0 else 0.0
        burden = debt / p.fiscal_revenue if p.fiscal_revenue else None
        heavy = share >= rule.debt_share or (burden is not None and burden >= rule.debt_to_revenue)
        use = latest_use.get(p.code)
        if not heavy or use is None or use[1] >= rule.low_use:
            continue
        burden_zh = f"，相当于当年一般公共预算收入的{burden:.0%}" if burden is not None else ""
        burden_en = f", {burden:.0%} of the unit's yearly revenue" if burden is not None else ""
        out.append(
            Violation(
                "vanity",
                f"project:{p.code}",
                p.unit_id,
                "signal",
                f"形象工程迹象：举债{debt:g}万元，占预算{share:.0%}{burden_zh}；"
                f"验收后使用率仅{use[1]:.0%}（{use[0]}）",
                f"vanity-project signs: debt {debt:g} (10k CNY), {share:.0%} of the budget"
                f"{burden_en}; used at {use[1]:.0%} of design after acceptance ({use[0]})",
                SOURCES["vanity"],
            )
        )
    return out
