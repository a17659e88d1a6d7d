"""Revisions after the assessment deadline or after an audit."""

from __future__ import annotations

import datetime as dt

import numpy as np

from zhengji.integrity.revisions import late_revisions

D = dt.datetime
DEADLINE = D(2024, 3, 31)


def _versions() -> tuple[list[str], list[str], list[str], np.ndarray, list[dt.datetime], list[int]]:
    rows = [
        ("a", "GDP", "2023", 100.0, D(2024, 2, 1), 1),
        ("b", "GDP", "2023", 104.0, D(2024, 2, 1), 1),
        ("c", "GDP", "2023", 98.0, D(2024, 2, 1), 1),
        ("a", "GDP", "2023", 106.0, D(2024, 4, 15), 2),  # after the deadline, up 6 %: a passes b
        ("c", "GDP", "2023", 95.0, D(2024, 4, 15), 2),  # after the deadline, down 3 %
        ("b", "GDP", "2023", 104.5, D(2024, 4, 15), 2),  # +0.5 %: below threshold
    ]
    u, i, p, v, r, m = zip(*rows, strict=True)
    return list(u), list(i), list(p), np.array(v), list(r), list(m)


def test_late_upward_revision_that_improves_rank_is_high() -> None:
    found = {f.unit_id: f for f in late_revisions(*_versions(), deadline=DEADLINE)}
    assert set(found) == {"a", "c"}
    a = found["a"]
    assert a.check == "revision_after_deadline" and a.severity == "high" and a.p_value == 0.0
    assert a.evidence["relative_change"] == 0.06
    assert (a.evidence["rank_before"], a.evidence["rank_after"]) == (2.0, 1.0)
    assert "考核截止日" in a.summary_zh and "favour" in a.summary_en
    assert found["c"].severity == "low" and found["c"].evidence["improves_standing"] == 0.0


def test_lower_is_better_flips_direction() -> None:
    found = {
        f.unit_id: f
        for f in late_revisions(*_versions(), deadline=DEADLINE, higher_is_better={"GDP": False})
    }
    assert found["a"].severity == "low" and found["c"].severity in {"high", "medium"}


def test_revision_after_audit_of_that_unit() -> None:
    audits = {"c": [D(2024, 3, 1)]}
    found = late_revisions(*_versions(), audits=audits)
    assert [(f.unit_id, f.check) for f in found] == [("c", "revision_after_audit")]


def test_no_revision_before_deadline_counts_and_no_cutoff_is_not_tested() -> None:
    found = late_revisions(*_versions(), deadline=D(2024, 5, 1))
    assert found == []
    (info,) = late_revisions(*_versions())
    assert info.severity == "info" and np.isnan(info.p_value)
