"""Time limits of citizen requests (办理时限) and the working-day calendar they are counted in.

Limits come from a TOML file (default: ``time_limits.toml`` in this package, each entry naming
its source; ``$ZHENGJI_VOICE_TIME_LIMITS`` points at a local copy). Working days follow the
State Council's holiday arrangements as published in the ``chinesecalendar`` package
(statutory holidays and adjusted working days 调休); for a year it does not cover yet we fall
back to Monday–Friday and say so in :func:`calendar_note`.

Counting rule (documented in docs/voice.md): a limit of N working days ends at 24:00 China time
of the N-th working day after the day the request was accepted (the day of acceptance does not
count, as in "N 个工作日内"); a limit in hours runs in natural hours from acceptance.
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import chinese_calendar

from zhengji.errors import DataError

__all__ = [
    "CHINA",
    "ENV_VAR",
    "Category",
    "TimeLimits",
    "add_working_days",
    "calendar_note",
    "default_limits",
    "is_workday",
    "load_limits",
    "parse_limits",
    "to_utc",
    "working_days_between",
]

ENV_VAR = "ZHENGJI_VOICE_TIME_LIMITS"
CHINA = dt.timezone(dt.timedelta(hours=8), "CST")


@dataclass(frozen=True)
class Category:
    """One category's limits: ``days`` working days, else ``hours``; response within hours."""

    id: str
    name: str
    days: int | None
    hours: float | None
    response_hours: float
    source: str


@dataclass(frozen=True)
class TimeLimits:
    categories: dict[str, Category]
    weights: dict[str, float]  # response, resolution, satisfaction (sum 1)
    escalate_after_days: int
    path: str

    def category(self, cid: str) -> Category:
        try:
            return self.categories[cid]
        except KeyError:
            raise DataError(
                f"未知诉求类别 unknown request category '{cid}'; "
                f"已知 known: {sorted(self.categories)} (in {self.path})"
            ) from None

    def due(self, category: str, accepted_at: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
        """``(response due, resolution due)`` in UTC for a request accepted at ``accepted_at``."""
        cat = self.category(category)
        at = to_utc(accepted_at)
        response = at + dt.timedelta(hours=cat.response_hours)
        if cat.days is not None:
            return response, add_working_days(at, cat.days)
        return response, at + dt.timedelta(hours=cat.hours or 0.0)


def to_utc(t: dt.datetime) -> dt.datetime:
    """Aware UTC; a naive value is taken as UTC (SQLite hands back naive UTC)."""
    return t.replace(tzinfo=dt.UTC) if t.tzinfo is None else t.astimezone(dt.UTC)


_COVERED = (2004, 2026)


def is_workday(day: dt.date) -> bool:
    """A working day in mainland China (statutory holidays and 调休 included where known)."""
    if _COVERED[0] <= day.year <= _COVERED[1]:
        return bool(chinese_calendar.is_workday(day))
    return day.weekday() < 5


def calendar_note(year: int) -> str | None:
    """Why a year's working days may be wrong (the holiday arrangement is not yet known)."""
    if _COVERED[0] <= year <= _COVERED[1]:
        return None
    return (
        f"{year} 年节假日安排未收录，按周一至周五计算 the {year} holiday arrangement is not in "
        f"chinesecalendar {_COVERED}: Monday–Friday are counted as working days"
    )


def add_working_days(accepted_at: dt.datetime, days: int) -> dt.datetime:
    """End (24:00 China time) of the ``days``-th working day after the day of acceptance."""
    return _end_of_nth_workday(to_utc(accepted_at).astimezone(CHINA).date(), days)


@lru_cache(maxsize=8192)
def _end_of_nth_workday(day: dt.date, days: int) -> dt.datetime:
    left = days
    while left > 0:
        day += dt.timedelta(days=1)
        if is_workday(day):
            left -= 1
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), CHINA)
    return end.astimezone(dt.UTC)


def working_days_between(start: dt.datetime, end: dt.datetime) -> int:
    """Working days after ``start``'s day up to and including ``end``'s day (China time)."""
    a = to_utc(start).astimezone(CHINA).date()
    b = to_utc(end).astimezone(CHINA).date()
    n = 0
    while a < b:
        a += dt.timedelta(days=1)
        n += is_workday(a)
    return n


def _problem(path: str, key: str, msg: str) -> DataError:
    return DataError("时限配置无效 invalid time-limit file", [(path, None, key, msg)])


def _category(path: str, cid: str, raw: Any) -> Category:
    key = f"categories.{cid}"
    if not isinstance(raw, dict):
        raise _problem(path, key, "应为表 must be a table")
    days, hours = raw.get("days"), raw.get("hours")
    if (days is None) == (hours is None):
        raise _problem(path, key, "需且仅需 days 或 hours 之一 give exactly one of days, hours")
    if days is not None and (not isinstance(days, int) or days < 1):
        raise _problem(path, f"{key}.days", "应为正整数 must be a positive integer")
    if hours is not None and (not isinstance(hours, int | float) or hours <= 0):
        raise _problem(path, f"{key}.hours", "应为正数 must be a positive number")
    resp = raw.get("response_hours")
    if not isinstance(resp, int | float) or resp <= 0:
        raise _problem(path, f"{key}.response_hours", "应为正数 must be a positive number")
    for field in ("name", "source"):
        if not isinstance(raw.get(field), str) or not raw[field].strip():
            raise _problem(path, f"{key}.{field}", "必填文字 required text (cite the rule)")
    return Category(
        cid, raw["name"], days, None if hours is None else float(hours), float(resp), raw["source"]
    )


def parse_limits(text: str, path: str) -> TimeLimits:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _problem(path, "", f"TOML 语法错误 syntax error: {exc}") from None
    cats = data.get("categories")
    if not isinstance(cats, dict) or not cats:
        raise _problem(path, "categories", "至少一个类别 at least one category is required")
    weights = data.get("weights", {})
    names = ("response", "resolution", "satisfaction")
    if set(weights) != set(names) or not all(
        isinstance(weights[n], int | float) and weights[n] >= 0 for n in names
    ):
        raise _problem(path, "weights", f"需要非负权重 need non-negative weights {names}")
    total = sum(float(weights[n]) for n in names)
    if abs(total - 1.0) > 1e-9:
        raise _problem(path, "weights", f"权重之和应为 1 weights must sum to 1 (got {total})")
    esc = data.get("escalation", {}).get("after_days", 3)
    if not isinstance(esc, int) or esc < 0:
        raise _problem(path, "escalation.after_days", "应为非负整数 non-negative integer")
    return TimeLimits(
        {cid: _category(path, cid, raw) for cid, raw in cats.items()},
        {n: float(weights[n]) for n in names},
        esc,
        path,
    )


def load_limits(path: Path | str | None = None) -> TimeLimits:
    """Limits from ``path``, else ``$ZHENGJI_VOICE_TIME_LIMITS``, else the packaged default."""
    target = path or os.environ.get(ENV_VAR)
    if target is None:
        return default_limits()
    p = Path(target)
    return parse_limits(p.read_text(encoding="utf-8"), str(p))


@lru_cache(maxsize=1)
def default_limits() -> TimeLimits:
    text = resources.files("zhengji.voice").joinpath("time_limits.toml").read_text("utf-8")
    return parse_limits(text, "zhengji/voice/time_limits.toml")
