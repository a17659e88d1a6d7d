"""The ledger pages (state, entry + inclusion proof, verify) and the loaders that let
``verify_ledger`` recompute the web audit log and the voice events."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from tests.web.conftest import Client, World, browser_login, shot

from zhengji.ledger import log as ledger_log
from zhengji.ledger import note as notes
from zhengji.ledger.checkpoints import sign_checkpoint, verify_proof
from zhengji.ledger.records import loaders
from zhengji.ledger.verify import verify_ledger
from zhengji.store import Store
from zhengji.store.schema_ledger import LedgerLeafRow
from zhengji.store.schema_web import AuditRow
from zhengji.web import audit


@pytest.fixture(scope="module")
def checkpointed(world: World) -> notes.Verifier:
    """A signed checkpoint over the world's ledger (its key named after the ledger origin)."""
    with world.store.transaction() as s:
        key = notes.generate_key(ledger_log.info(s).origin)
        sign_checkpoint(s, [key])
    return key.verifier


def test_ledger_json_shows_size_suite_origin_and_entries(
    world: World, clients: dict[str | None, Client]
) -> None:
    data = clients["inspector"].get("/ledger.json?limit=10").json()
    with world.store.transaction() as s:
        meta = ledger_log.info(s)
        newest = s.scalar(select(func.max(LedgerLeafRow.idx)))
    assert data["hash_suite"] == meta.hash_suite == "sha256"
    assert data["origin"] == meta.origin
    assert data["size"] >= 1 and newest is not None and data["size"] <= newest + 1
    idx = [e["index"] for e in data["entries"]]
    assert len(idx) == 10 and idx == sorted(idx, reverse=True)
    with world.store.transaction() as s:
        e = ledger_log.entry(s, idx[-1])
    assert data["entries"][-1]["kind"] == e.kind
    assert data["entries"][-1]["record_digest"] == e.record_digest.hex()


def test_entry_page_gives_a_proof_that_verifies(
    world: World, clients: dict[str | None, Client], checkpointed: notes.Verifier
) -> None:
    insp = clients["inspector"]
    entry = insp.get("/ledger/entries/3.json").json()
    assert entry["index"] == 3 and entry["proof"].startswith("c2sp.org/tlog-proof@v1")
    r = insp.get("/ledger/entries/3/proof")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    assert r.text == entry["proof"]
    assert verify_proof(r.text, [checkpointed]) == []  # offline: signature and path
    forged = r.text.replace("\nindex 3\n", "\nindex 2\n")
    assert forged != r.text and verify_proof(forged, [checkpointed])
    assert insp.get("/ledger/entries/999999999.json").status_code == 404
    cp = insp.get("/ledger.json").json()["checkpoints"][0]
    assert cp["signatures"][0]["name"] == world_origin(world)


def world_origin(world: World) -> str:
    with world.store.transaction() as s:
        return ledger_log.info(s).origin


def test_verify_post_reports_all_good_and_recomputes_audit_rows(
    world: World, clients: dict[str | None, Client], checkpointed: notes.Verifier
) -> None:
    insp = clients["inspector"]
    r = insp.post("/ledger/verify")
    assert r.status_code == 200, r.text[:300]
    rep = r.json()
    assert rep["ok"] and rep["problem_count"] == 0 and rep["first_bad_index"] is None
    assert rep["checkpoints_checked"] >= 1 and rep["signatures_verified"] >= 1
    with world.store.transaction() as s:
        audited = s.scalar(select(func.count()).where(AuditRow.ledger_seq.is_not(None)))
    assert audited and rep["records_checked"] >= audited  # audit rows are recomputed now
    # a reporter and an assessor may not verify (nor see the ledger)
    assert clients["rep_jiangkou"].post("/ledger/verify").status_code == 403
    assert clients["assessor"].get("/ledger.json").status_code == 403


def test_audit_and_voice_loaders_are_registered() -> None:
    got = loaders()
    assert "audit" in got and "voice.event" in got


def _store(tmp_path: Path) -> Store:
    return Store.open(f"sqlite:///{tmp_path / 'l.db'}")


def test_verify_detects_a_tampered_audit_row(tmp_path: Path) -> None:
    st = _store(tmp_path)
    try:
        with st.transaction() as s:
            for i in range(5):
                audit.record(s, f"user{i}", "read:unit", f"unit_id=u{i}", "127.0.0.1", {"i": i})
        with st.transaction() as s:
            rep = verify_ledger(s)
            seq = s.scalar(select(AuditRow.ledger_seq).where(AuditRow.actor == "user3"))
        assert rep.ok and rep.records_checked == 5 and rep.records_absent == 0
        with st.engine.begin() as conn:  # an attacker removes the guard and edits the row
            conn.execute(text("DROP TRIGGER IF EXISTS web_audit_log_no_update"))
            conn.execute(text("UPDATE web_audit_log SET target = 'nothing' WHERE actor = 'user3'"))
        with st.transaction() as s:
            bad = verify_ledger(s)
        assert not bad.ok and bad.first_bad_index == seq
        assert "audit" in bad.problems[0].en and "altered" in bad.problems[0].en
    finally:
        st.close()


def test_verify_recomputes_voice_events(tmp_path: Path) -> None:
    from tests.voice.conftest import UNITS
    from tests.voice.test_requests import sub

    from zhengji.voice.limits import default_limits
    from zhengji.voice.requests import submit
    from zhengji.voice.units import load_units, register_units

    st = _store(tmp_path)
    try:
        with st.transaction() as s:
            register_units(s, UNITS)
            for _ in range(3):
                submit(s, sub(), load_units(s), default_limits(), ledger=True)
            submit(s, sub(), load_units(s), default_limits())  # not yet synced
        with st.transaction() as s:
            rep = verify_ledger(s)
            leaves = ledger_log.size(s)
        assert rep.ok and leaves == 6 and rep.records_checked == 6
        with st.engine.begin() as conn:
            conn.execute(text("DROP TRIGGER IF EXISTS voice_events_no_update"))
            conn.execute(text("UPDATE voice_events SET actor = '别人' WHERE id = 2"))
        with st.transaction() as s:
            bad = verify_ledger(s)
        assert not bad.ok and bad.first_bad_index == 1
    finally:
        st.close()


def test_inspector_verifies_the_ledger_in_the_browser(
    page: Any, world: World, checkpointed: notes.Verifier
) -> None:
    browser_login(page, "inspector")
    page.goto("/ledger")
    assert page.locator("#ledger-size").inner_text().strip().isdigit()
    page.get_by_role("button", name="核验账本").click()
    page.wait_for_url("**/ledger/verify")
    result = page.locator("#verify-result")
    assert "全部无误" in result.inner_text()
    shot(page, "ledger-verify")
    page.goto("/ledger/entries/0")
    assert "c2sp.org/tlog-proof@v1" in page.locator("#proof").inner_text()
    with page.expect_download() as dl:
        page.locator("#download-proof").click()
    path = dl.value.path()
    assert path and Path(path).read_text().startswith("c2sp.org/tlog-proof@v1")
    assert not page.errors  # type: ignore[attr-defined]
