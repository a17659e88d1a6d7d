"""Accounts, password policy, sessions and scopes against a real database (SQLite file)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from zhengji.errors import PermissionDenied, StoreError, ZhengjiError
from zhengji.store import Store
from zhengji.store.schema import ImportRow, SchemeVersionRow, UnitRecord
from zhengji.store.schema_web import WebSessionRow, WebUserRow
from zhengji.web import accounts
from zhengji.web.passwords import check_policy, hash_password, verify_password
from zhengji.web.roles import Principal, Role, subtree

GOOD = "Assessment-2025!"


@pytest.fixture()
def pg_url():  # type: ignore[no-untyped-def]
    import os
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin_url = os.environ["ZHENGJI_TEST_POSTGRES_URL"]
    name = f"zj_web_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request, tmp_path) -> Store:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'a.db'}"
    else:  # a fresh database on the throwaway cluster (tests/store/conftest.py does the same)
        url = request.getfixturevalue("pg_url")
    st = Store.open(url)
    now = dt.datetime.now(dt.UTC)
    with st.transaction() as s:
        s.add(
            SchemeVersionRow(
                scheme_id="s", version="1", fingerprint="f" * 64, toml="", created_at=now
            )
        )
        s.flush()
        s.add(
            ImportRow(
                source_path="x",
                bundle_fingerprint="b" * 64,
                scheme_version_id=1,
                created_at=now,
                rows_added=0,
                rows_unchanged=0,
                units_added=2,
                vetoes_added=0,
            )
        )
        s.flush()
        for i, (uid, parent) in enumerate(
            [("city", None), ("c1", "city"), ("t1", "c1"), ("c2", "city")]
        ):
            s.add(
                UnitRecord(
                    id=uid,
                    name=uid,
                    parent_id=parent,
                    level="x",
                    category="",
                    attributes={},
                    position=i,
                    first_import_id=1,
                )
            )
    yield st
    st.close()


@pytest.mark.parametrize(
    ("pw", "why"),
    [
        ("short1!", "12"),
        ("alllowercaseab", "two"),
        ("aaaaaaaaaaaaaaaa", "common"),
        ("password1234", "common"),
        ("my-name-alice-2025", "username"),
    ],
)
def test_password_policy_refuses(pw: str, why: str) -> None:
    with pytest.raises(ZhengjiError) as exc:
        check_policy(pw, "alice")
    assert "password policy" in str(exc.value)


def test_password_policy_accepts_long_or_mixed() -> None:
    check_policy("correct horse battery staple", "alice")  # long: any characters
    check_policy("Tongren-2025", "alice")
    check_policy("考核办公室的密码很长很长", "alice")  # Chinese counts as a symbol class


def test_argon2id_hashes() -> None:
    h = hash_password(GOOD)
    assert (
        h.startswith("$argon2id$") and verify_password(h, GOOD) and not verify_password(h, "nope")
    )
    assert hash_password(GOOD) != h  # salted
    assert not verify_password("not a hash", GOOD)


def test_accounts_sessions_and_password_change(store: Store) -> None:
    with store.transaction() as s:
        accounts.add_user(s, "rep", GOOD, "reporter", "c1")
        with pytest.raises(ZhengjiError):
            accounts.add_user(s, "rep2", GOOD, "reporter")  # a reporter needs a unit
        with pytest.raises(ZhengjiError):
            accounts.add_user(s, "boss", GOOD, "admin", "c1")  # others take none
        with pytest.raises(StoreError):
            accounts.add_user(s, "rep3", GOOD, "reporter", "nowhere")
        with pytest.raises(ZhengjiError):
            accounts.add_user(s, "x", GOOD, "citizen")
    with store.transaction() as s, pytest.raises(StoreError):
        accounts.add_user(s, "rep", GOOD, "reporter", "c1")
    with store.transaction() as s:
        out = accounts.login(s, "rep", GOOD, "127.0.0.1")
    with store.transaction() as s:
        stored = s.scalar(select(WebSessionRow.token_hash))
        assert stored != out.token and len(stored) == 64  # only the hash is kept
        p = accounts.principal_for(s, out.token)
        assert p and p.role is Role.reporter and p.unit_id == "c1"
        assert accounts.principal_for(s, out.token + "x") is None
        accounts.set_password(s, "rep", "Another-pass-2025")
    with store.transaction() as s:
        assert accounts.principal_for(s, out.token) is None  # sessions end with a new password
        with pytest.raises(accounts.LoginError):
            accounts.login(s, "rep", GOOD, "127.0.0.1")
    with store.transaction() as s:
        again = accounts.login(s, "rep", "Another-pass-2025", "127.0.0.1")
        accounts.set_active(s, "rep", False)
    with store.transaction() as s:
        assert accounts.principal_for(s, again.token) is None
        assert not s.scalar(select(WebUserRow.active).where(WebUserRow.username == "rep"))


def test_expired_session_is_refused(store: Store) -> None:
    with store.transaction() as s:
        accounts.add_user(s, "ins", GOOD, "inspector")
        out = accounts.login(s, "ins", GOOD, "1.2.3.4")
    with store.transaction() as s:
        row = s.scalar(select(WebSessionRow))
        row.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    with store.transaction() as s:
        assert accounts.principal_for(s, out.token) is None


def test_scope_is_the_unit_and_the_units_under_it() -> None:
    parents = {"city": None, "c1": "city", "t1": "c1", "t2": "c1", "c2": "city", "t3": "c2"}
    assert subtree("c1", parents) == {"c1", "t1", "t2"}
    rep = Principal(1, "r", "r", Role.reporter, "c1", 1, "x")
    assert rep.can_see("t2", parents) and not rep.can_see("c2", parents)
    assert not rep.can_see("city", parents) and not rep.can_see(None, parents)
    with pytest.raises(PermissionDenied):
        rep.check_unit("t3", parents)
    for role in (Role.admin, Role.assessor, Role.inspector):
        assert Principal(1, "a", "a", role, None, 1, "x").can_see("t3", parents)


def test_audit_rows_go_to_the_ledger_on_both_databases(store: Store) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from zhengji.ledger import log as ledger
    from zhengji.web import audit

    with store.transaction() as s:
        accounts.add_user(s, "aud", GOOD, "inspector")
        out = accounts.login(s, "aud", GOOD, "127.0.0.1")
        audit.record(s, out.principal, "read:unit", "unit_id=c1", "127.0.0.1", {"n": 1})
        audit.record(s, "cli:root", "user_add", "aud", "cli")
    with store.transaction() as s:
        rows = audit.list_audit(s)
        assert [r.action for r in rows] == ["user_add", "read:unit"]
        for r in rows:
            rec = audit.ledger_record(
                at=r.at,
                actor=r.actor,
                role=r.role,
                action=r.action,
                target=r.target,
                detail=r.detail,
                client=r.client,
            )
            assert r.ledger_seq is not None and ledger.verify_record(s, r.ledger_seq, rec)
    with pytest.raises(SQLAlchemyError), store.engine.begin() as conn:
        conn.execute(text("UPDATE web_audit_log SET target = 'x'"))


def test_record_scoped_roles_name_their_subject(store: Store) -> None:
    """A cadre, grid worker or mediator is bound to one record; a centre to one unit."""
    with store.transaction() as s:
        with pytest.raises(ZhengjiError, match="--subject"):
            accounts.add_user(s, "cadre1", GOOD, "cadre")  # which person?
        with pytest.raises(ZhengjiError, match="--subject"):
            accounts.add_user(s, "org", GOOD, "organisation", subject="P001")  # none for org
        with pytest.raises(ZhengjiError, match="--unit"):
            accounts.add_user(s, "centre", GOOD, "centre")  # which unit?
        with pytest.raises(ZhengjiError, match="--unit"):
            accounts.add_user(s, "gw", GOOD, "grid_worker", "c1", subject="g1")
        info = accounts.add_user(s, "cadre1", GOOD, "cadre", subject=" P001 ")
        assert info.subject == "P001" and info.unit_id is None
        accounts.add_user(s, "centre", GOOD, "centre", "c1")
    with store.transaction() as s:
        out = accounts.login(s, "cadre1", GOOD, "127.0.0.1")
    with store.transaction() as s:
        p = accounts.principal_for(s, out.token)
        assert p and p.role is Role.cadre and p.subject == "P001" and not p.scoped
        out = accounts.login(s, "centre", GOOD, "127.0.0.1")
    with store.transaction() as s:
        p = accounts.principal_for(s, out.token)
        assert p and p.role is Role.centre and p.scoped and p.unit_id == "c1"
