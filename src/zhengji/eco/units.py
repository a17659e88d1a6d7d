"""A small explicit unit type for GEP accounting (m³, t, hm², kWh, 人次, 元 and their 万/亿).

``pint`` is not a dependency; GEP needs only a handful of units, each with a dimension and a
factor to its base unit, and one rule: a quantity can be multiplied by a price only if the
price is *per* a unit of the same dimension (m³ × 元/万m³ works, m³ × 元/t is refused).
"""

from __future__ import annotations

from dataclasses import dataclass

from zhengji.errors import MethodError

__all__ = ["UNITS", "Price", "Quantity", "dimension_of", "to_base"]

#: unit → (dimension, factor to the base unit of that dimension)
UNITS: dict[str, tuple[str, float]] = {
    "m³": ("volume", 1.0),
    "万m³": ("volume", 1e4),
    "亿m³": ("volume", 1e8),
    "t": ("mass", 1.0),
    "kg": ("mass", 1e-3),
    "万t": ("mass", 1e4),
    "hm²": ("area", 1.0),
    "m²": ("area", 1e-4),
    "km²": ("area", 100.0),
    "亩": ("area", 1.0 / 15.0),
    "kWh": ("energy", 1.0),
    "万kWh": ("energy", 1e4),
    "亿kWh": ("energy", 1e8),
    "人次": ("visits", 1.0),
    "万人次": ("visits", 1e4),
    "元": ("money", 1.0),
    "万元": ("money", 1e4),
    "亿元": ("money", 1e8),
}
_ASCII = {"m3": "m³", "hm2": "hm²", "m2": "m²", "km2": "km²", "yuan": "元", "mu": "亩"}


def _norm(unit: str) -> str:
    u = unit.strip()
    for a, b in _ASCII.items():
        if u.endswith(a) and u[: -len(a)] in ("", "万", "亿"):
            u = u[: -len(a)] + b
    if u not in UNITS:
        raise MethodError(f"未知单位 unknown unit '{unit}'; known: {', '.join(UNITS)}")
    return u


def dimension_of(unit: str) -> str:
    return UNITS[_norm(unit)][0]


def to_base(value: float, unit: str) -> float:
    return value * UNITS[_norm(unit)][1]


@dataclass(frozen=True)
class Quantity:
    """A value with its unit, e.g. ``Quantity(3.2, "亿m³")``."""

    value: float
    unit: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "unit", _norm(self.unit))

    @property
    def dimension(self) -> str:
        return UNITS[self.unit][0]

    def to(self, unit: str) -> Quantity:
        u = _norm(unit)
        if UNITS[u][0] != self.dimension:
            raise MethodError(
                f"单位不相容 cannot convert {self.unit} ({self.dimension}) to {u} ({UNITS[u][0]})"
            )
        return Quantity(self.value * UNITS[self.unit][1] / UNITS[u][1], u)

    def __add__(self, other: Quantity) -> Quantity:
        return Quantity(self.value + other.to(self.unit).value, self.unit)


@dataclass(frozen=True)
class Price:
    """``value`` 元 per ``per`` (e.g. ``Price(6.1107, "m³")`` is 6.1107 元/m³)."""

    value: float
    per: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "per", _norm(self.per))

    def times(self, q: Quantity) -> Quantity:
        """Value in 元 of ``q`` at this price; refuses a quantity of another dimension."""
        if q.dimension != UNITS[self.per][0]:
            raise MethodError(
                f"单位不相容 a price in 元/{self.per} cannot value a quantity in {q.unit}"
            )
        return Quantity(self.value * q.to(self.per).value, "元")

    def __str__(self) -> str:
        return f"{self.value:g} 元/{self.per}"
