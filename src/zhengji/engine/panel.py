"""The data panel the engine reads: units × periods × variables, as plain arrays.

Loaders (``zhengji.bundle``) and the store build it; the engine never does I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

__all__ = ["Panel", "VetoEvent"]


@dataclass(frozen=True)
class VetoEvent:
    """A confirmed event that triggers a veto (e.g. 数据造假 confirmed by the inspectors)."""

    unit_id: str
    period: str
    veto_id: str
    reason: str = ""
    evidence: str = ""


@dataclass(frozen=True)
class Panel:
    """Observed values ``values[t, u, v]`` (NaN = missing) plus unit attributes.

    ``variables`` holds indicator and denominator ids; ``periods`` are sorted strings
    (``2024``, ``2024-Q1``, ``2024-06``); ``attributes`` holds extra unit columns (groups).
    """

    unit_ids: tuple[str, ...]
    unit_names: tuple[str, ...]
    categories: tuple[str, ...]
    periods: tuple[str, ...]
    variables: tuple[str, ...]
    values: NDArray[np.float64]
    attributes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    parents: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    events: tuple[VetoEvent, ...] = ()
    synthetic: bool = False

    def __post_init__(self) -> None:
        shape = (len(self.periods), len(self.unit_ids), len(self.variables))
        if self.values.shape != shape:
            raise ValueError(f"values has shape {self.values.shape}, expected {shape}")
        if len(set(self.unit_ids)) != len(self.unit_ids):
            raise ValueError("unit ids must be unique")
        self.values.setflags(write=False)

    def select(self, rows: Sequence[int]) -> Panel:
        """The same panel restricted to some units (in the given order)."""
        idx = list(rows)
        keep = {self.unit_ids[i] for i in idx}

        def pick(col: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(col[i] for i in idx) if col else col

        return Panel(
            unit_ids=pick(self.unit_ids),
            unit_names=pick(self.unit_names),
            categories=pick(self.categories),
            periods=self.periods,
            variables=self.variables,
            values=self.values[:, idx, :],
            attributes={k: pick(tuple(v)) for k, v in self.attributes.items()},
            parents=pick(self.parents),
            levels=pick(self.levels),
            events=tuple(e for e in self.events if e.unit_id in keep),
            synthetic=self.synthetic,
        )

    def variable_index(self, variable_id: str) -> int:
        return self.variables.index(variable_id)

    def period_index(self, period: str) -> int:
        try:
            return self.periods.index(period)
        except ValueError:
            raise KeyError(f"period '{period}' not in panel {list(self.periods)}") from None

    def series(self, variable_id: str) -> NDArray[np.float64]:
        """All periods of one variable, shape (t, n)."""
        return self.values[:, :, self.variable_index(variable_id)]

    def attribute(self, name: str) -> tuple[str, ...]:
        """A unit column: ``category``, ``parent_id``, ``level`` or an extra attribute."""
        if name == "category":
            return self.categories
        if name == "parent_id":
            return self.parents
        if name == "level":
            return self.levels
        if name not in self.attributes:
            raise KeyError(name)
        return tuple(self.attributes[name])
