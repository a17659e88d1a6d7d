"""Fault tolerance (容错纠错): the "three distinctions" as structured criteria and a proposal.

Sources (quoted in ``docs/accountability.md``):

* the seed essay (/work/shared/seed): "把干部在推进改革中因缺乏经验、先行先试出现的失误和错误，
  同明知故犯的违纪违法行为区分开来；把上级尚无明确限制的探索性试验中的失误和错误，同上级明令禁止后
  依然我行我素的违纪违法行为区分开来；把为推动发展的无意过失，同为谋取私利的违纪违法行为区分开来。
  如对于在推动改革发展中，出于公心、程序合规，但因市场变化或政策调整等难以预见的……因素导致效果
  不及预期的，应与违纪违法行为严格区分";
* 中共中央办公厅《关于进一步激励广大干部新时代新担当新作为的意见》(2018): the same three
  distinctions, "宽容干部在改革创新中的失误错误……对该容的大胆容错，不该容的坚决不容", and
  "对给予容错的干部，考核考察要客观评价，选拔任用要公正合理" (an exempted failure does not count
  against the official).

The proposal is a pure function; a reviewer rules (:mod:`zhengji.accountability.service`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Final

__all__ = [
    "CRITERIA",
    "FACTORS",
    "PROPOSALS",
    "Criteria",
    "Proposal",
    "propose",
]

SEED = "种子文章“健全容错纠错机制……三个区分开来”"
OPINION_2018 = "中办《关于进一步激励广大干部新时代新担当新作为的意见》(2018)"

#: field → (中文, English): each criterion as the case form asks it.
CRITERIA: Final[Mapping[str, tuple[str, str]]] = {
    "exploratory": (
        "推进改革中因缺乏经验、先行先试出现失误",
        "an error made trying something new in reform, for lack of experience",
    ),
    "knowing_violation": ("明知故犯", "a knowing violation of discipline or law"),
    "prior_prohibition": ("上级已有明确禁止", "a superior had explicitly prohibited it before"),
    "defied_prohibition": (
        "上级明令禁止后依然我行我素",
        "went ahead after the explicit prohibition",
    ),
    "public_interest": (
        "为推动发展、出于公心",
        "acted to advance development, in the public interest",
    ),
    "private_gain": ("为谋取私利", "sought private gain"),
    "due_process": ("决策程序合规", "due process was followed (collective decision, rules)"),
    "unforeseeable_change": (
        "因市场变化或政策调整等难以预见的因素",
        "an unforeseeable market or policy change caused the shortfall",
    ),
    "remedied": (
        "主动纠错、挽回损失",
        "corrected the error and recovered losses on own initiative",
    ),
}

#: proposal/ruling → (中文, English)
PROPOSALS: Final[Mapping[str, tuple[str, str]]] = {
    "exempt": ("免责", "exempt"),
    "mitigate": ("从轻、减轻处理", "mitigate"),
    "not_eligible": ("不予容错", "not eligible"),
}
#: How much of a bad outcome still counts against the person after a ruling (a convention of
#: this system: exempt → nothing, mitigate → half, not eligible or no ruling → all).
FACTORS: Final[Mapping[str, float]] = {"exempt": 0.0, "mitigate": 0.5, "not_eligible": 1.0}


@dataclass(frozen=True)
class Criteria:
    """The structured facts of a case, established by the reviewer (each a yes/no)."""

    exploratory: bool = False
    knowing_violation: bool = False
    prior_prohibition: bool = False
    defied_prohibition: bool = False
    public_interest: bool = False
    private_gain: bool = False
    due_process: bool = False
    unforeseeable_change: bool = False
    remedied: bool = False

    def as_dict(self) -> dict[str, bool]:
        return {f.name: bool(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> Criteria:
        unknown = sorted(set(data) - set(CRITERIA))
        if unknown:
            raise ValueError(f"unknown criteria {unknown}; known: {list(CRITERIA)}")
        return cls(**{k: bool(v) for k, v in data.items()})


@dataclass(frozen=True)
class Reason:
    zh: str
    en: str
    source: str


@dataclass(frozen=True)
class Proposal:
    """What the system proposes, and why (each reason names its source)."""

    decision: str  # exempt / mitigate / not_eligible
    reasons: tuple[Reason, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "decision": self.decision,
            "reasons": [{"zh": r.zh, "en": r.en, "source": r.source} for r in self.reasons],
        }


def propose(c: Criteria) -> Proposal:
    """Exempt, mitigate or not eligible, by the three distinctions.

    * **Not eligible** if any second half of a distinction holds: a knowing violation, going
      ahead after an explicit prohibition, or private gain — these are 违纪违法, not errors.
    * **Exempt** if none of those, the error came from exploratory reform or an unforeseeable
      market/policy change, the person acted in the public interest, and due process was
      followed (the seed's "出于公心、程序合规").
    * **Mitigate** otherwise (no disqualifier, but process or public purpose not shown);
      remedying the error on one's own initiative is listed as a further mitigating reason.
    """
    bad: list[Reason] = []
    if c.knowing_violation:
        bad.append(Reason("属明知故犯的违纪违法行为", "a knowing violation", SEED))
    if c.defied_prohibition or (c.prior_prohibition and c.knowing_violation):
        bad.append(
            Reason(
                "上级明令禁止后依然我行我素",
                "went ahead after an explicit prohibition by a superior",
                SEED,
            )
        )
    if c.private_gain:
        bad.append(Reason("为谋取私利", "sought private gain", SEED))
    if bad:
        return Proposal("not_eligible", tuple(bad))
    good: list[Reason] = []
    missing: list[Reason] = []
    if c.exploratory:
        good.append(Reason(CRITERIA["exploratory"][0], CRITERIA["exploratory"][1], SEED))
    if not c.prior_prohibition:
        good.append(
            Reason(
                "上级尚无明确限制的探索性试验",
                "no explicit restriction existed at the time",
                SEED,
            )
        )
    if c.unforeseeable_change:
        good.append(
            Reason(CRITERIA["unforeseeable_change"][0], CRITERIA["unforeseeable_change"][1], SEED)
        )
    for key in ("public_interest", "due_process"):
        zh, en = CRITERIA[key]
        if getattr(c, key):
            good.append(Reason(zh, en, SEED))
        else:
            missing.append(Reason(f"未能认定：{zh}", f"not established: {en}", SEED))
    cause = c.exploratory or c.unforeseeable_change
    if not cause:
        missing.append(
            Reason(
                "失误并非源于先行先试或难以预见的变化",
                "the error did not come from exploratory reform or an unforeseeable change",
                SEED,
            )
        )
    if c.remedied:
        good.append(Reason(CRITERIA["remedied"][0], CRITERIA["remedied"][1], OPINION_2018))
    if not missing:
        return Proposal("exempt", tuple(good))
    return Proposal("mitigate", tuple(good + missing))
