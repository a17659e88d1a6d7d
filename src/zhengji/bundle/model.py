"""The validated content of a data bundle, as frozen records.

A :class:`Bundle` is what ``load_bundle`` returns once every rule has passed; it keeps the
validated rows (for the store, which records them one by one) next to the :class:`Panel` the
engine reads, so both come from the same parse.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from zhengji.engine.panel import Panel, VetoEvent
from zhengji.scheme.model import Scheme

__all__ = [
    "OBSERVATION_COLUMNS",
    "UNIT_COLUMNS",
    "VETO_COLUMNS",
    "VETO_OPTIONAL_COLUMNS",
    "Bundle",
    "ObservationRow",
    "UnitRow",
    "value_key",
]

UNIT_COLUMNS: tuple[str, ...] = ("unit_id", "name", "parent_id", "level", "category")
OBSERVATION_COLUMNS: tuple[str, ...] = ("unit_id", "period", "indicator_id", "value", "source")
VETO_COLUMNS: tuple[str, ...] = ("unit_id", "period", "veto_id", "reason")
VETO_OPTIONAL_COLUMNS: tuple[str, ...] = ("evidence",)


@dataclass(frozen=True)
class UnitRow:
    """One assessed unit (被考核单位); ``attributes`` holds the extra columns in file order."""

    unit_id: str
    name: str
    parent_id: str = ""
    level: str = ""
    category: str = ""
    attributes: Mapping[str, str] = field(default_factory=dict)
    row: int = 0


@dataclass(frozen=True)
class ObservationRow:
    """One validated observation; ``extra`` keeps non-empty extra columns (e.g. evidence).

    ``row`` is the spreadsheet row it came from (header = 1), kept so later checks can point
    back at the file.
    """

    unit_id: str
    period: str
    indicator_id: str
    value: float
    source: str
    extra: Mapping[str, str] = field(default_factory=dict)
    row: int = 0


@dataclass(frozen=True)
class Bundle:
    """A validated bundle: the scheme, the panel built from it, and the rows behind the panel.

    ``observations`` and ``units`` are in file order; ``fingerprint`` does not depend on that
    order (see :func:`zhengji.bundle.load.bundle_fingerprint`).
    """

    scheme: Scheme
    scheme_text: str
    panel: Panel
    units: tuple[UnitRow, ...]
    observations: tuple[ObservationRow, ...]
    events: tuple[VetoEvent, ...]
    source_path: Path
    fingerprint: str


def value_key(value: float) -> str:
    """The exact, canonical text of a number (shortest repr) for fingerprints and comparisons."""
    return repr(float(value))
