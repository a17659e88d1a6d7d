"""The cadre-assessment configuration: weights and thresholds, from TOML, validated once.

The defaults (``default.toml`` next to this module) carry a comment per setting naming the
part of 《党政领导干部考核工作条例》(2019) it follows or saying it is a convention of this
system. :func:`load_config` overlays a user file on the defaults; every key is checked and an
unknown or bad key raises :class:`~zhengji.errors.SchemeError` naming it.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from zhengji.errors import SchemeError

__all__ = [
    "EVAL_SOURCES",
    "GRADES",
    "LATER_SECTIONS",
    "SLOW_VIA",
    "Config",
    "Role",
    "Routine",
    "Slow",
    "SlowRequests",
    "default_toml",
    "load_config",
    "parse_config",
]

#: Individual grades, best first (条例: 优秀/称职/基本称职/不称职).
GRADES: tuple[str, ...] = ("优秀", "称职", "基本称职", "不称职")
UNGRADED = "不定等次"
EVAL_SOURCES: Mapping[str, tuple[str, str]] = {
    "party": ("党委（党组）评价", "party committee"),
    "peer": ("民主测评", "peer evaluation"),
    "mass": ("群众评价", "mass evaluation"),
    "special": ("专项评价", "special-programme evaluation"),
    "routine": ("平时考核评价", "quarterly routine evaluation"),
}
#: Sections added after batches were first stored: left out of the fingerprint while they hold
#: their defaults, so the batches stored before still verify (as scheme fingerprints omit
#: defaults).
LATER_SECTIONS: tuple[str, ...] = ("routine", "slow", "slow_requests")


@dataclass(frozen=True)
class Role:
    weight: float
    unit_share: float


@dataclass(frozen=True)
class Routine:
    """平时考核: grade names best first, their lowest scores, and how a quarter counts."""

    labels: tuple[str, str, str, str]
    lines: tuple[float, float, float]  # lowest score of labels[0], [1], [2]
    base: float
    overdue_per_milestone: float
    per_procedure_problem: float
    min_coverage: float
    annual_weight: float
    poor_quarters: int
    poor_cap: str  # "" = no cap

    def grade_of(self, score: float) -> str:
        for label, line in zip(self.labels, self.lines, strict=False):
            if score >= line:
                return label
        return self.labels[-1]


@dataclass(frozen=True)
class Slow:
    """慢作为: which overdue milestones count against a person."""

    grace_days: int
    roles: tuple[str, ...]
    min_overdue: int


@dataclass(frozen=True)
class SlowRequests:
    """慢作为 from 接诉即办: overdue citizen requests of a unit the person led (off by default)."""

    enabled: bool
    max_overdue_rate: float  # percent; a higher overdue rate counts as evidence
    min_requests: int  # fewer requests in the window: not judged


@dataclass(frozen=True)
class Config:
    excellent: float
    competent: float
    basic: float
    excellent_share: float
    min_coverage: float
    roles: Mapping[str, Role]
    evaluations: Mapping[str, float]
    credit_per_point: float
    credit_cap: float
    deduction_per_point: float
    veto_caps: Mapping[str, str]
    special_base: float
    lists: Mapping[str, Any]
    anonymise: Mapping[str, str]
    toml: str  # the user's overlay as given ("" = defaults); stored with each batch
    effective: Mapping[str, Any]  # defaults with the overlay applied
    routine: Routine
    slow: Slow
    slow_requests: SlowRequests

    @property
    def fingerprint(self) -> str:
        """Of the effective settings, so the same settings written differently agree
        (a :data:`LATER_SECTIONS` section at its defaults is left out)."""
        defaults = tomllib.loads(default_toml())
        data = {
            k: v
            for k, v in self.effective.items()
            if not (k in LATER_SECTIONS and v == defaults.get(k))
        }
        text = json.dumps(data, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def grade_of(self, score: float) -> str:
        if score >= self.excellent:
            return "优秀"
        if score >= self.competent:
            return "称职"
        if score >= self.basic:
            return "基本称职"
        return "不称职"


def default_toml() -> str:
    return resources.files("zhengji.cadres").joinpath("default.toml").read_text("utf-8")


def _merge(base: dict[str, Any], over: Mapping[str, Any], path: str = "") -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        key = f"{path}{k}"
        if k not in base:
            raise SchemeError(f"未知配置项 unknown setting '{key}'; known: {sorted(base)}")
        if isinstance(base[k], dict):
            if not isinstance(v, Mapping):
                raise SchemeError(f"配置项 '{key}' 应为表 must be a table")
            out[k] = _merge(base[k], v, key + ".")
        else:
            out[k] = v
    return out


def _num(d: Mapping[str, Any], key: str, path: str, lo: float = 0.0, hi: float = 1e9) -> float:
    v = d.get(key)
    if isinstance(v, bool) or not isinstance(v, int | float) or not lo <= float(v) <= hi:
        raise SchemeError(
            f"配置项 '{path}{key}' 应为 {lo}–{hi} 之间的数 must be a number in [{lo}, {hi}]"
        )
    return float(v)


def parse_config(text: str) -> Config:
    """A validated config from TOML text (overlaid on the defaults)."""
    try:
        base = tomllib.loads(default_toml())
        data = _merge(base, tomllib.loads(text)) if text.strip() else base
    except tomllib.TOMLDecodeError as exc:
        raise SchemeError(f"配置文件不是有效的 TOML invalid TOML: {exc}") from exc
    g = data["grades"]
    excellent, competent, basic = (
        _num(g, k, "grades.", 0, 100) for k in ("excellent", "competent", "basic")
    )
    if not excellent > competent > basic:
        raise SchemeError("等次分数线须递减 grades.excellent > grades.competent > grades.basic")
    roles = {
        name: Role(
            _num(r, "weight", f"roles.{name}.", 0, 10),
            _num(r, "unit_share", f"roles.{name}.", 0, 1),
        )
        for name, r in data["roles"].items()
    }
    evals = {k: _num(data["evaluations"], k, "evaluations.", 0, 1) for k in data["evaluations"]}
    caps = dict(data["vetoes"])
    for k, v in caps.items():
        if v not in GRADES:
            raise SchemeError(f"配置项 'vetoes.{k}' 应为等次之一 must be one of {GRADES}")
    o = data["outcomes"]
    an = data["anonymise"]
    for k in ("digest_units", "public_units"):
        if an[k] not in ("keep", "generic"):
            raise SchemeError(f"配置项 'anonymise.{k}' 应为 keep 或 generic")
    return Config(
        routine=_routine(data["routine"]),
        slow=_slow(data["slow"]),
        slow_requests=_slow_requests(data["slow_requests"]),
        excellent=excellent,
        competent=competent,
        basic=basic,
        excellent_share=_num(g, "excellent_share", "grades.", 0, 1),
        min_coverage=_num(g, "min_coverage", "grades.", 0, 1),
        roles=roles,
        evaluations=evals,
        credit_per_point=_num(o, "credit_per_point", "outcomes."),
        credit_cap=_num(o, "credit_cap", "outcomes."),
        deduction_per_point=_num(o, "deduction_per_point", "outcomes."),
        veto_caps=caps,
        special_base=_num(data["special"], "base", "special.", 0, 100),
        lists=dict(data["lists"]),
        anonymise={k: str(v) for k, v in an.items()},
        toml=text,
        effective=data,
    )


def _int(d: Mapping[str, Any], key: str, path: str, lo: int = 0, hi: int = 10_000) -> int:
    v = d.get(key)
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        raise SchemeError(f"配置项 '{path}{key}' 应为 {lo}–{hi} 之间的整数 must be a whole number")
    return v


def _routine(r: Mapping[str, Any]) -> Routine:
    labels = r.get("labels")
    if (
        not isinstance(labels, list)
        or len(labels) != 4
        or not all(isinstance(x, str) and x for x in labels)
        or len(set(labels)) != 4
    ):
        raise SchemeError(
            "配置项 'routine.labels' 应为四个不同的等次名 must be four distinct names"
        )
    lines = tuple(_num(r, k, "routine.", 0, 100) for k in ("good", "fair", "average"))
    if not lines[0] > lines[1] > lines[2]:
        raise SchemeError("平时考核分数线须递减 routine.good > routine.fair > routine.average")
    cap = r.get("poor_cap")
    if cap != "" and cap not in GRADES:
        raise SchemeError(
            f"配置项 'routine.poor_cap' 应为等次之一或空 must be one of {GRADES} or ''"
        )
    return Routine(
        labels=(labels[0], labels[1], labels[2], labels[3]),
        lines=(lines[0], lines[1], lines[2]),
        base=_num(r, "base", "routine.", 0, 100),
        overdue_per_milestone=_num(r, "overdue_per_milestone", "routine.", 0, 100),
        per_procedure_problem=_num(r, "per_procedure_problem", "routine.", 0, 100),
        min_coverage=_num(r, "min_coverage", "routine.", 0, 1),
        annual_weight=_num(r, "annual_weight", "routine.", 0, 1),
        poor_quarters=_int(r, "poor_quarters", "routine.", 1, 4),
        poor_cap=str(cap),
    )


SLOW_VIA: tuple[str, ...] = ("principal", "in_charge", "direct", "decision_maker", "led")


def _slow(r: Mapping[str, Any]) -> Slow:
    roles = r.get("roles")
    if not isinstance(roles, list) or any(x not in SLOW_VIA for x in roles):
        raise SchemeError(f"配置项 'slow.roles' 应取自 must be taken from {SLOW_VIA}")
    return Slow(
        grace_days=_int(r, "grace_days", "slow."),
        roles=tuple(roles),
        min_overdue=_int(r, "min_overdue", "slow.", 1),
    )


def _slow_requests(r: Mapping[str, Any]) -> SlowRequests:
    if not isinstance(r.get("enabled"), bool):
        raise SchemeError("配置项 'slow_requests.enabled' 应为 true 或 false must be true or false")
    return SlowRequests(
        enabled=bool(r["enabled"]),
        max_overdue_rate=_num(r, "max_overdue_rate", "slow_requests.", 0, 100),
        min_requests=_int(r, "min_requests", "slow_requests.", 1, 1_000_000),
    )


def load_config(path: Path | None = None) -> Config:
    """The defaults, or ``path`` overlaid on them."""
    if path is None:
        return parse_config("")
    try:
        return parse_config(Path(path).read_text("utf-8"))
    except OSError as exc:
        raise SchemeError(f"无法读取配置文件 cannot read config {path}: {exc}") from exc
