"""Deadlines of dispute mediation by risk level, from TOML (``deadlines.toml`` by default).

See the file's comments for the source of the defaults (30 days: 《人民调解工作若干规定》 §33).
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zhengji.errors import DataError
from zhengji.grid.mediation import RISKS

__all__ = ["ENV_VAR", "Deadlines", "RiskRule", "default_deadlines", "load_deadlines", "parse"]

ENV_VAR = "ZHENGJI_GRID_DEADLINES"
_DEFAULT = Path(__file__).with_name("deadlines.toml")


@dataclass(frozen=True)
class RiskRule:
    days: int
    report_to_centre: bool


@dataclass(frozen=True)
class Deadlines:
    rules: dict[str, RiskRule]

    def due(self, risk: str, opened_at: dt.datetime) -> dt.datetime:
        return opened_at + dt.timedelta(days=self.rules[risk].days)


def parse(text: str, path: str) -> Deadlines:
    """Parse and check; every problem names the key (``risk.high.days``)."""
    try:
        raw: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"时限文件不是有效的 TOML invalid TOML in {path}: {exc}") from exc
    risks = raw.get("risk", {})
    problems: list[tuple[str, int | None, str | None, str]] = []
    rules: dict[str, RiskRule] = {}
    for name in RISKS:
        r = risks.get(name)
        if not isinstance(r, dict):
            problems.append((path, None, f"risk.{name}", "缺少该风险等级 missing risk level"))
            continue
        days = r.get("days")
        if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 366:
            problems.append((path, None, f"risk.{name}.days", "须为 1–366 的整数 integer 1–366"))
            continue
        rules[name] = RiskRule(days, bool(r.get("report_to_centre", False)))
    for extra in sorted(set(risks) - set(RISKS)):
        problems.append((path, None, f"risk.{extra}", f"未知风险等级 unknown level; {RISKS}"))
    if problems:
        raise DataError("纠纷化解时限无效 invalid dispute deadlines", problems)
    return Deadlines(rules)


def load_deadlines(path: Path | str | None = None) -> Deadlines:
    p = Path(path or os.environ.get(ENV_VAR) or _DEFAULT)
    return parse(p.read_text(encoding="utf-8"), str(p))


def default_deadlines() -> Deadlines:
    return parse(_DEFAULT.read_text(encoding="utf-8"), str(_DEFAULT))
