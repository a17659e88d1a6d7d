"""The cadre-assessment configuration: weights and thresholds, from TOML, validated once.

The defaults (``default.toml`` next to this module) carry a comment per setting naming the
article of 《党政领导干部考核工作条例》(2019) it follows or saying it is a convention of this
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
    "Config",
    "Role",
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
}


@dataclass(frozen=True)
class Role:
    weight: float
    unit_share: float


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

    @property
    def fingerprint(self) -> str:
        """Of the effective settings, so the same settings written differently agree."""
        text = json.dumps(self.effective, sort_keys=True, ensure_ascii=False)
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


def load_config(path: Path | None = None) -> Config:
    """The defaults, or ``path`` overlaid on them."""
    if path is None:
        return parse_config("")
    try:
        return parse_config(Path(path).read_text("utf-8"))
    except OSError as exc:
        raise SchemeError(f"无法读取配置文件 cannot read config {path}: {exc}") from exc
