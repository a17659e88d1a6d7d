"""Integrity findings in the store: append-only review workflow; a confirmed falsification
vetoes the unit's grade in the next assessment, reproducibly."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from zhengji.engine.assess import assess
from zhengji.errors import StoreError
from zhengji.store import Store

from .samples import SCHEME, make_bundle

INTEGRITY_SCHEME = SCHEME + '\n[integrity]\nveto = "fraud"\n'


@dataclass(frozen=True)
class Finding:
    """The shape of ``zhengji.integrity.findings.Finding`` (data, not a stand-in component)."""

    unit_id: str
    indicator_id: str
    periods: tuple[str, ...]
    check: str = "last_digit"
    statistic: float = 31.4
    p_value: float = 0.0003
    q_value: float = 0.004
    severity: str = "high"
    evidence: Mapping[str, float] = field(default_factory=lambda: {"chi2": 31.4, "n": 120.0})
    summary_zh: str = "末位数字分布明显不均匀"
    summary_en: str = "last digits far from uniform"


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    st = Store.open(db_url)
    yield st
    st.close()


def test_review_workflow_is_append_only_and_confirmation_vetoes(
    store: Store, tmp_path: Path
) -> None:
    bundle = make_bundle(tmp_path / "b", scheme=INTEGRITY_SCHEME)
    summary = store.import_bundle(bundle)
    scheme = bundle.scheme
    sid = store.record_screen(
        scheme,
        [Finding("c3", "gdp", ("2024",)), Finding("c1", "gdp", ("2023", "2024"), severity="low")],
        summary.import_id,
        not_tested=[{"check": "proxies", "reason": "no proxies declared"}],
    )
    f3, f1 = store.findings(sid)
    assert (f3.state, f1.state) == ("open", "open")
    assert f3.evidence == {"chi2": 31.4, "n": 120.0}

    before = assess(scheme, store.panel(scheme))
    c3 = before.unit("c3")
    assert not [v for v in before.vetoes if v.unit_id == "c3"]
    with pytest.raises(StoreError, match="needs a reason"):
        store.act_on_finding(scheme, f3.id, "explain", "某人", " ")

    assert store.act_on_finding(scheme, f3.id, "explain", "丙县统计局", "系手工录入") == "explained"
    assert (
        store.act_on_finding(scheme, f3.id, "confirm", "市考核办 王", "核查属实，原始台账不符")
        == "confirmed"
    )
    assert (
        store.act_on_finding(scheme, f1.id, "dismiss", "市考核办 王", "有原始凭证") == "dismissed"
    )
    with pytest.raises(StoreError, match="only allowed from"):
        store.act_on_finding(scheme, f1.id, "confirm", "某人", "改判")

    f3, f1 = store.findings(sid)
    assert [e[0] for e in f3.events] == ["explain", "confirm"] and f3.events[1][1] == "市考核办 王"
    assert f1.state == "dismissed"  # dismissed, never deleted

    after = assess(scheme, store.panel(scheme))
    (veto,) = [v for v in after.vetoes if v.unit_id == "c3"]
    assert veto.veto_id == "fraud" and f"finding #{f3.id}" in veto.reason
    assert after.grade[c3] in ("一般", "较差")
    assert [
        e.veto_id for e in store.panel(scheme, summary.import_id).events if e.unit_id == "c3"
    ] == []

    with store.engine.connect() as conn:
        for table in ("findings", "finding_events", "screens"):
            with pytest.raises(DBAPIError):
                conn.execute(text(f"DELETE FROM {table}"))
            conn.rollback()


def test_withdrawing_a_confirmation_lifts_the_veto_from_then_on(
    store: Store, tmp_path: Path
) -> None:
    """A confirmation reversed on review: the veto is lifted for later assessments, the
    earlier state stays readable (as of the confirmation), and it can be confirmed again."""
    bundle = make_bundle(tmp_path / "b", scheme=INTEGRITY_SCHEME)
    summary = store.import_bundle(bundle)
    scheme = bundle.scheme
    sid = store.record_screen(scheme, [Finding("c3", "gdp", ("2024",))], summary.import_id)
    (f,) = store.findings(sid)

    def vetoed(as_of: int | None = None) -> bool:
        return any(v.unit_id == "c3" for v in assess(scheme, store.panel(scheme, as_of)).vetoes)

    assert not vetoed()
    with pytest.raises(StoreError, match="only allowed from"):
        store.act_on_finding(scheme, f.id, "withdraw", "市考核办 王", "尚未认定")
    store.act_on_finding(scheme, f.id, "confirm", "市考核办 王", "核查属实")
    confirmed_at = store.imports()[-1].id
    assert vetoed()

    state = store.act_on_finding(scheme, f.id, "withdraw", "市纪委 李", "申诉复核：台账补正属实")
    assert state == "withdrawn"
    assert not vetoed()
    assert vetoed(confirmed_at)  # the store still answers "as of the confirmation"
    (f,) = store.findings(sid)
    assert [e[0] for e in f.events] == ["confirm", "withdraw"] and f.state == "withdrawn"

    assert store.act_on_finding(scheme, f.id, "confirm", "市考核办 王", "新证据") == "confirmed"
    assert vetoed()


def test_confirmation_needs_a_declared_veto(store: Store, tmp_path: Path) -> None:
    bundle = make_bundle(tmp_path / "b")
    summary = store.import_bundle(bundle)
    sid = store.record_screen(bundle.scheme, [Finding("c2", "gdp", ("2024",))], summary.import_id)
    (f,) = store.findings(sid)
    with pytest.raises(StoreError, match=r"declares no \[integrity\] veto"):
        store.act_on_finding(bundle.scheme, f.id, "confirm", "审计局", "属实")
    assert store.findings(sid)[0].state == "open"  # nothing half-written


def test_findings_for_unknown_units_are_refused(store: Store, tmp_path: Path) -> None:
    bundle = make_bundle(tmp_path / "b")
    store.import_bundle(bundle)
    with pytest.raises(StoreError, match="units not in the store: zz"):
        store.record_screen(bundle.scheme, [Finding("zz", "gdp", ("2024",))], None)


def test_pooled_findings_are_stored_but_name_no_unit_to_veto(store: Store, tmp_path: Path) -> None:
    bundle = make_bundle(tmp_path / "b", scheme=INTEGRITY_SCHEME)
    summary = store.import_bundle(bundle)
    sid = store.record_screen(
        bundle.scheme,
        [Finding("*", "gdp", ("2023", "2024"), check="target_bunching")],
        summary.import_id,
    )
    (f,) = store.findings(sid)
    assert f.unit_id == "*" and f.check == "target_bunching"
    with pytest.raises(StoreError, match="pooled finding"):
        store.act_on_finding(None, f.id, "confirm", "审计局", "属实")
    assert (
        store.act_on_finding(None, f.id, "dismiss", "审计局", "各县目标不同，非操纵") == "dismissed"
    )
