"""The scoring rulebook of ecological accounts (积分细则): TOML in, a frozen, validated value out.

A county writes its own rulebook (dimensions, items with points, caps, validity and the
evidence each award needs, tiers → benefits); every problem is reported at once with the file,
the line and the key (``items[3].points``), and nothing is loaded on error. A benefit is a
discount: its rate may not exceed ``base_rate``. :func:`rulebook_warnings` names what is valid
but most likely unintended (a cap that is not a multiple of the item's points, a better tier on
worse terms). The default is ``zhengji/eco/rulebook.toml`` (illustrative, shaped after the
Jiangkou scheme).
"""

from __future__ import annotations

import hashlib
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from zhengji.errors import DataError

__all__ = [
    "DEFAULT_RULEBOOK",
    "EVIDENCE_KINDS",
    "HOLDER_KINDS",
    "MODES",
    "Benefit",
    "Dimension",
    "Item",
    "Rulebook",
    "benefit_for",
    "default_rulebook",
    "format_warning",
    "load_rulebook",
    "parse_rulebook",
    "rulebook_warnings",
    "tier_for",
]

EVIDENCE_KINDS = ("photo", "location", "time")
MODES = ("annual", "event")
HOLDER_KINDS = ("household", "sole_trader", "enterprise", "village")
DEFAULT_RULEBOOK = "rulebook.toml"
_ID = re.compile(r"[a-z][a-z0-9_]{0,63}\Z")


@dataclass(frozen=True)
class Dimension:
    id: str
    name: str
    name_en: str
    cap: int


@dataclass(frozen=True)
class Item:
    """One way to earn points: ``points`` per award, at most ``cap`` per holder and year."""

    id: str
    dimension: str
    name: str
    name_en: str
    points: int
    cap: int
    mode: str  # annual (re-scored yearly) | event (in-year)
    validity_years: int
    evidence: tuple[str, ...]

    @property
    def cap_in_force(self) -> int:
        """The cap awards can reach: awards are whole and one over the cap is refused whole."""
        return self.cap // self.points * self.points


@dataclass(frozen=True)
class Benefit:
    """From ``min_points`` on: a credit limit (元) at ``rate`` % a year."""

    min_points: int
    credit_limit: float
    rate: float


@dataclass(frozen=True)
class Rulebook:
    id: str
    version: str
    name: str
    name_en: str
    total_cap: int
    tier_step: int
    objection_days: int
    base_rate: float
    programme: str
    dimensions: tuple[Dimension, ...]
    items: tuple[Item, ...]
    benefits: tuple[Benefit, ...]
    toml: str
    source: str

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the TOML text: the version of the rules an award was made under."""
        return hashlib.sha256(self.toml.encode()).hexdigest()

    def item(self, item_id: str) -> Item:
        for it in self.items:
            if it.id == item_id:
                return it
        valid = ", ".join(i.id for i in self.items)
        raise DataError(f"细则中没有此项目 no item '{item_id}' in the rulebook; valid: {valid}")

    def dimension(self, dim_id: str) -> Dimension:
        return next(d for d in self.dimensions if d.id == dim_id)


def tier_for(points: float, rb: Rulebook) -> int:
    """Tier (等级): one per ``tier_step`` points, counted up to the total cap."""
    return int(min(max(points, 0.0), rb.total_cap) // rb.tier_step)


def benefit_for(points: float, rb: Rulebook) -> Benefit:
    """The best benefit the points reach; below the first: no credit at the base rate."""
    best = Benefit(0, 0.0, rb.base_rate)
    capped = min(points, rb.total_cap)
    for b in rb.benefits:
        if capped >= b.min_points and b.min_points >= best.min_points:
            best = b
    return best


def default_rulebook() -> Rulebook:
    text = resources.files("zhengji.eco").joinpath(DEFAULT_RULEBOOK).read_text(encoding="utf-8")
    return parse_rulebook(text, f"zhengji/eco/{DEFAULT_RULEBOOK}")


def load_rulebook(path: str | Path) -> Rulebook:
    p = Path(path)
    return parse_rulebook(p.read_text(encoding="utf-8"), str(p))


class _Problems:
    """Collects (file, line, key, message); the line is found from the key in the text."""

    def __init__(self, text: str, source: str) -> None:
        self.lines = text.splitlines()
        self.source = source
        self.items: list[tuple[str, int | None, str | None, str]] = []

    def line_of(self, table: str | None, index: int | None, key: str | None) -> int | None:
        start, end = 0, len(self.lines)
        if table is not None and index is not None:
            heads = [n for n, ln in enumerate(self.lines) if ln.strip() == f"[[{table}]]"]
            if index >= len(heads):
                return None
            start = heads[index]
            nxt = [n for n, ln in enumerate(self.lines) if ln.strip().startswith("[") and n > start]
            end = nxt[0] if nxt else len(self.lines)
            if key is None:
                return start + 1
        elif table is None:
            nxt = [n for n, ln in enumerate(self.lines) if ln.strip().startswith("[")]
            end = nxt[0] if nxt else len(self.lines)
        if key is not None:
            pat = re.compile(rf"\s*{re.escape(key)}\s*=")
            for n in range(start, end):
                if pat.match(self.lines[n]):
                    return n + 1
        return start + 1 if table else None

    def add(self, table: str | None, index: int | None, key: str | None, msg: str) -> None:
        path = key or ""
        if table is not None:
            path = f"{table}[{index}]" + (f".{key}" if key else "")
        self.items.append((self.source, self.line_of(table, index, key), path or None, msg))


def _get(
    raw: Mapping[str, Any],
    key: str,
    kind: type | tuple[type, ...],
    pr: _Problems,
    table: str | None,
    index: int | None,
    default: Any = None,
) -> Any:
    if key not in raw:
        if default is not None:
            return default
        pr.add(table, index, key, f"缺少 missing '{key}'")
        return None
    v = raw[key]
    ok = isinstance(v, kind) and not isinstance(v, bool)
    if not ok:
        pr.add(table, index, key, f"类型不对 wrong type {type(v).__name__}, expected {kind}")
        return None
    return v


def parse_rulebook(text: str, source: str = "<rulebook>") -> Rulebook:
    """Validate and freeze a rulebook; raises :class:`DataError` listing every problem."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = _toml_line(exc)
        raise DataError(
            "细则文件不是有效的TOML rulebook is not valid TOML",
            [(source, line, None, str(exc))],
        ) from None
    pr = _Problems(text, source)
    top: dict[str, Any] = {}
    for key, kind, default in (
        ("id", str, None),
        ("version", str, None),
        ("name", str, None),
        ("name_en", str, ""),
        ("total_cap", int, None),
        ("tier_step", int, 50),
        ("objection_days", int, 7),
        ("base_rate", (int, float), None),
        ("programme", str, "programme"),
    ):
        top[key] = _get(raw, key, kind, pr, None, None, default)
    for key in ("total_cap", "tier_step"):
        if isinstance(top[key], int) and top[key] <= 0:
            pr.add(None, None, key, "须为正整数 must be a positive integer")
    if isinstance(top["objection_days"], int) and top["objection_days"] < 0:
        pr.add(None, None, "objection_days", "不能为负 must not be negative")
    dims = _dimensions(raw, pr)
    items = _items(raw, pr, {d.id: d for d in dims})
    benefits = _benefits(raw, pr, top["total_cap"], top["base_rate"])
    if isinstance(top["id"], str) and not _ID.match(top["id"]):
        pr.add(None, None, "id", "须为小写字母、数字、下划线 lower-case letters, digits, _")
    if pr.items:
        raise DataError(f"细则有误 rulebook {source} is invalid", pr.items)
    return Rulebook(
        top["id"],
        top["version"],
        top["name"],
        top["name_en"],
        top["total_cap"],
        top["tier_step"],
        top["objection_days"],
        float(top["base_rate"]),
        top["programme"],
        tuple(dims),
        tuple(items),
        tuple(benefits),
        text,
        source,
    )


def _dimensions(raw: Mapping[str, Any], pr: _Problems) -> list[Dimension]:
    out: list[Dimension] = []
    rows = raw.get("dimensions", [])
    if not isinstance(rows, list) or not rows:
        pr.add(None, None, "dimensions", "至少需要一个维度 at least one [[dimensions]]")
        return out
    seen: set[str] = set()
    for i, d in enumerate(rows):
        did = _get(d, "id", str, pr, "dimensions", i)
        name = _get(d, "name", str, pr, "dimensions", i)
        cap = _get(d, "cap", int, pr, "dimensions", i)
        if isinstance(did, str) and (did in seen or not _ID.match(did)):
            pr.add("dimensions", i, "id", f"重复或不合规 duplicate or malformed id '{did}'")
        if isinstance(cap, int) and cap <= 0:
            pr.add("dimensions", i, "cap", "须为正整数 must be positive")
        if did and name and cap:
            seen.add(did)
            out.append(Dimension(did, name, str(d.get("name_en", "")), cap))
    if len(rows) != 5:
        pr.add(
            None,
            None,
            "dimensions",
            f"须为5个一级维度 need 5 top-level dimensions, got {len(rows)}",
        )
    return out


def _items(raw: Mapping[str, Any], pr: _Problems, dims: Mapping[str, Dimension]) -> list[Item]:
    out: list[Item] = []
    rows = raw.get("items", [])
    if not isinstance(rows, list) or not rows:
        pr.add(None, None, "items", "至少需要一个项目 at least one [[items]]")
        return out
    seen: set[str] = set()
    for i, it in enumerate(rows):
        t = "items"
        iid = _get(it, "id", str, pr, t, i)
        dim = _get(it, "dimension", str, pr, t, i)
        name = _get(it, "name", str, pr, t, i)
        points = _get(it, "points", int, pr, t, i)
        cap = _get(it, "cap", int, pr, t, i)
        mode = _get(it, "mode", str, pr, t, i, "event")
        validity = _get(it, "validity_years", int, pr, t, i)
        evidence = it.get("evidence", [])
        if isinstance(iid, str) and (iid in seen or not _ID.match(iid)):
            pr.add(t, i, "id", f"重复或不合规 duplicate or malformed id '{iid}'")
        if isinstance(dim, str) and dim not in dims:
            pr.add(
                t, i, "dimension", f"无此维度 unknown dimension '{dim}'; valid: {', '.join(dims)}"
            )
        if isinstance(points, int) and points <= 0:
            pr.add(t, i, "points", "须为正整数 must be positive (a deduction is a reversal)")
        if isinstance(cap, int) and isinstance(points, int) and cap < points:
            pr.add(
                t, i, "cap", f"上限 {cap} 小于单次分值 is below the points of one award {points}"
            )
        if isinstance(cap, int) and isinstance(dim, str) and dim in dims and cap > dims[dim].cap:
            pr.add(
                t, i, "cap", f"超过维度上限 exceeds the cap of dimension '{dim}' ({dims[dim].cap})"
            )
        if isinstance(mode, str) and mode not in MODES:
            pr.add(t, i, "mode", f"须为 must be one of {', '.join(MODES)}")
        if isinstance(validity, int) and not 1 <= validity <= 10:
            pr.add(t, i, "validity_years", "有效期须为1–10年 validity must be 1–10 years")
        if not isinstance(evidence, list) or any(e not in EVIDENCE_KINDS for e in evidence):
            pr.add(t, i, "evidence", f"证据种类 evidence kinds are {', '.join(EVIDENCE_KINDS)}")
            evidence = []
        if None not in (iid, dim, name, points, cap, mode, validity):
            seen.add(iid)
            out.append(
                Item(
                    iid,
                    dim,
                    name,
                    str(it.get("name_en", "")),
                    points,
                    cap,
                    mode,
                    validity,
                    tuple(evidence),
                )
            )
    return out


def _benefits(
    raw: Mapping[str, Any], pr: _Problems, total_cap: Any, base_rate: Any
) -> list[Benefit]:
    """Tiers → benefits; a benefit's rate is a discount, so never above ``base_rate``."""
    out: list[Benefit] = []
    for i, b in enumerate(raw.get("benefits", [])):
        mp = _get(b, "min_points", int, pr, "benefits", i)
        limit = _get(b, "credit_limit", (int, float), pr, "benefits", i)
        rate = _get(b, "rate", (int, float), pr, "benefits", i)
        if isinstance(rate, (int, float)) and not (0 <= rate < 100 and math.isfinite(rate)):
            pr.add("benefits", i, "rate", "利率须在0–100之间 rate must be a percentage 0–100")
        elif isinstance(rate, (int, float)) and _above(rate, base_rate):
            pr.add(
                "benefits",
                i,
                "rate",
                f"优惠利率 {rate} 高于基准利率 base_rate {base_rate}：权益只能降低利率 — "
                f"a benefit rate {rate} above the base rate {base_rate} would raise the loan "
                f"rate; benefits are discounts: use a rate ≤ {base_rate}",
            )
        if isinstance(mp, int) and isinstance(total_cap, int) and not 0 < mp <= total_cap:
            pr.add(
                "benefits", i, "min_points", f"须在1–{total_cap}之间 must be within 1–{total_cap}"
            )
        if isinstance(limit, (int, float)) and limit < 0:
            pr.add("benefits", i, "credit_limit", "不能为负 must not be negative")
        if None not in (mp, limit, rate):
            out.append(Benefit(mp, float(limit), float(rate)))
    mins = [b.min_points for b in out]
    if mins != sorted(mins) or len(set(mins)) != len(mins):
        pr.add(None, None, "benefits", "须按 min_points 递增 must be in increasing min_points")
    return out


def _above(rate: float, base_rate: object) -> bool:
    """Is ``rate`` above a valid base rate (``None`` when the base rate itself was invalid)?"""
    return isinstance(base_rate, (int, float)) and rate > base_rate


def rulebook_warnings(rb: Rulebook) -> list[tuple[str, int | None, str | None, str]]:
    """What is valid but most likely unintended, as ``(file, line, key, message)``.

    An item cap that is not a multiple of its points can never be reached: awards are whole
    (the database refuses one that would pass the cap), so the cap in force is the largest
    multiple below it. A better tier with a higher rate or a lower credit limit than the tier
    below is probably a typo.
    """
    pr = _Problems(rb.toml, rb.source)
    for i, it in enumerate(rb.items):
        if it.cap != it.cap_in_force:
            eff = it.cap_in_force
            pr.add(
                "items",
                i,
                "cap",
                f"上限 {it.cap} 不是单次分值 {it.points} 的整数倍，每笔记分整笔计入、超限整笔拒绝，"
                f"实际上限为 {eff} — cap {it.cap} of '{it.id}' is not a multiple of its points "
                f"({it.points}): an award that would pass the cap is refused whole, so the cap "
                f"in force is {eff}; write cap = {eff} or {eff + it.points}",
            )
    for i, (lo, hi) in enumerate(zip(rb.benefits, rb.benefits[1:], strict=False), start=1):
        if hi.rate > lo.rate:
            pr.add(
                "benefits",
                i,
                "rate",
                f"高一档利率 {hi.rate} 高于低一档 {lo.rate} — the tier from {hi.min_points} points "
                f"has a higher rate than the tier from {lo.min_points} ({lo.rate})",
            )
        if hi.credit_limit < lo.credit_limit:
            pr.add(
                "benefits",
                i,
                "credit_limit",
                f"高一档授信额度 {hi.credit_limit:,.0f} 低于低一档 {lo.credit_limit:,.0f} — "
                f"the tier from {hi.min_points} points has a lower credit limit than the tier "
                f"from {lo.min_points}",
            )
    return pr.items


def format_warning(w: tuple[str, int | None, str | None, str]) -> str:
    """One warning as ``zhengji eco rulebook check`` prints it: file, line, key, message."""
    src, line, key, msg = w
    where = src + (f", 第{line}行 (line {line})" if line is not None else "")
    return f"{where}" + (f", {key}" if key else "") + f": {msg}"


def _toml_line(exc: Exception) -> int | None:
    """Line of a TOML syntax error (Python 3.11 puts it only in the message)."""
    m = re.search(r"line (\d+)", str(exc))
    return int(m.group(1)) if m else None
