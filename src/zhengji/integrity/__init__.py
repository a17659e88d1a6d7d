"""Integrity screening (issue 11): pure checks that turn reported figures into ``Finding`` records.

Each check module takes arrays and returns findings; ``findings.with_qvalues`` applies
Benjamini–Hochberg across every test of a run; ``screen(scheme, panel)`` runs what a scheme's
``[integrity]`` section declares. See ``docs/integrity.md``.
"""

from __future__ import annotations

from zhengji.integrity.digits import DigitCounts, DigitTest, count_digits, digit_tests, run_test
from zhengji.integrity.fdr import bh_qvalues
from zhengji.integrity.findings import Finding, digit_findings, flagged, with_qvalues
from zhengji.integrity.screen import ScreenResult, screen

__all__ = [
    "DigitCounts",
    "DigitTest",
    "Finding",
    "ScreenResult",
    "bh_qvalues",
    "count_digits",
    "digit_findings",
    "digit_tests",
    "flagged",
    "run_test",
    "screen",
    "with_qvalues",
]
