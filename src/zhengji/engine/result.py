"""Frozen results of an assessment, with every stage kept (COINr's Raw → … → Aggregated)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

__all__ = ["Assessment", "TreatmentRecord", "VetoRecord"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class TreatmentRecord:
    """One data-treatment step: what was done to which indicator and which units."""

    indicator_id: str
    action: str  # "imputed" | "winsorised" | "log_transformed" | "screened_out" | "denominated"
    unit_ids: tuple[str, ...]
    detail: str = ""


@dataclass(frozen=True)
class VetoRecord:
    """A veto that applied to a unit: the grade it would have had and the cap imposed."""

    unit_id: str
    veto_id: str
    veto_name: str
    reason: str
    grade_before: str
    grade_after: str


@dataclass(frozen=True)
class Assessment:
    """The result of ``assess(scheme, panel)`` for one period.

    Arrays are indexed by ``unit_ids`` (rows) and ``indicator_ids`` (columns). Units screened
    out for low data availability keep a row with NaN scores, no rank and grade ``""``.
    ``stages`` maps stage name (raw, denominated, horizon, imputed, treated, normalised) to an
    (n, k) array. ``contributions[u, j]``: indicator j's share of unit u's score; for an
    arithmetic tree the row sums to ``score[u]`` exactly.
    """

    scheme_id: str
    scheme_version: str
    scheme_fingerprint: str
    period: str
    unit_ids: tuple[str, ...]
    unit_names: tuple[str, ...]
    categories: tuple[str, ...]
    indicator_ids: tuple[str, ...]
    score: FloatArray
    rank: NDArray[np.int64]
    rank_in_category: NDArray[np.int64]
    grade: tuple[str, ...]
    grade_before_veto: tuple[str, ...]
    node_scores: Mapping[str, FloatArray]
    visible: FloatArray
    latent: FloatArray
    by_source: Mapping[str, FloatArray]
    contributions: FloatArray
    weights: FloatArray
    stages: Mapping[str, FloatArray]
    availability: FloatArray
    screened_out: tuple[str, ...] = ()
    treatments: tuple[TreatmentRecord, ...] = ()
    vetoes: tuple[VetoRecord, ...] = ()
    node_weights: Mapping[str, FloatArray] = field(default_factory=dict)
    diagnostics: Mapping[str, object] = field(default_factory=dict)
    synthetic: bool = False

    def unit(self, unit_id: str) -> int:
        return self.unit_ids.index(unit_id)

    def fingerprint(self) -> str:
        """SHA-256 of what a reader acts on: scores (12 significant digits), ranks, grades."""
        blob = json.dumps(
            {
                "scheme": self.scheme_fingerprint,
                "period": self.period,
                "units": list(self.unit_ids),
                "score": [None if x != x else float(f"{x:.12g}") for x in self.score.tolist()],
                "rank": self.rank.tolist(),
                "grade": list(self.grade),
                "vetoes": [[v.unit_id, v.veto_id, v.grade_after] for v in self.vetoes],
            },
            ensure_ascii=False,
            sort_keys=True,
        )
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def order(self) -> NDArray[np.int64]:
        """Row indices best first (screened-out units last)."""
        key = np.where(np.isnan(self.score), -np.inf, self.score)
        return np.argsort(-key, kind="stable").astype(np.int64)
