"""Requests in the store (SQLite and PostgreSQL): submit, lifecycle steps as append-only
events, returns, merges, malicious repeats, escalation, privacy, offline entries."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import select, text, update

from zhengji.errors import DataError, PermissionDenied, StoreError
from zhengji.store import Store
from zhengji.store.schema_voice import VoiceEventRow
from zhengji.voice.handling import act, callback, escalate_overdue, flag_repeats, merge
from zhengji.voice.lifecycle import TransitionError
from zhengji.voice.limits import CHINA, default_limits
from zhengji.voice.offline import record_offline
from zhengji.voice.requests import Requester, Submission, count_requests, submit
from zhengji.voice.units import load_units
from zhengji.voice.views import Viewer, detail, events, public

T0 = dt.datetime(2025, 3, 3, 9, tzinfo=CHINA)  # a Monday
CENTRE = Viewer("12345中心", dispatcher=True)


def sub(**kw: object) -> Submission:
    base: dict[str, object] = {
        "jurisdiction_id": "bijiang",
        "service_code": "road_repair",
        "channel": "phone",
        "actor": "12345中心",
        "address_id": "bijiang_t1",
        "requested_at": T0,
        "requester": Requester(name="李四", phone="13700000001"),
    }
    base.update(kw)
    return Submission(**base)  # type: ignore[arg-type]


def test_submit_routes_and_sets_time_limits(store: Store) -> None:
    with store.transaction() as s:
        units = load_units(s)
        town = submit(s, sub(), units, default_limits())
        county = submit(
            s,
            sub(service_code="wage_arrears", attributes={"employer": "某公司"}),
            units,
            default_limits(),
        )
        nowhere = submit(
            s,
            sub(jurisdiction_id="tongren", address_id=None, address="某地"),
            units,
            default_limits(),
        )
    assert town.unit_id == "bijiang_t1"  # township matter → the township
    assert county.unit_id == "bijiang"  # county matter in a township → the county
    assert nowhere.unit_id == "tongren"  # cannot be placed → the city centre routes by hand
    # road repair is "help": 10 working days from Monday 3 March → end of Monday 17 March
    assert town.due_at == dt.datetime(2025, 3, 18, tzinfo=CHINA)
    with store.transaction() as s:
        pub = public(s, town.id, load_units(s))
    assert pub.state == "dispatched" and pub.status == "open" and pub.unit_name == "甲镇"


def test_bad_submission_names_fields_and_writes_nothing(store: Store) -> None:
    with pytest.raises(DataError) as err, store.transaction() as s:
        submit(
            s,
            sub(
                service_code="noise", jurisdiction_id="mars", address_id=None, lat=95.0, long=109.0
            ),
            load_units(s),
            default_limits(),
        )
    fields = {p[2] for p in err.value.problems}
    assert {"jurisdiction_id", "lat", "attribute[time_of_day]"} <= fields
    with store.transaction() as s:
        assert count_requests(s) == 0


def test_full_lifecycle_is_append_only_with_actor_and_time(store: Store) -> None:
    with store.transaction() as s:
        units = load_units(s)
        rid = submit(s, sub(), units, default_limits()).id
    town = Viewer("甲镇干部", frozenset({"bijiang_t1"}))
    with store.transaction() as s:
        assert (
            act(s, rid, "sign", "甲镇干部", viewer=town, at=T0 + dt.timedelta(hours=2)) == "signed"
        )
        act(s, rid, "process", "甲镇干部", viewer=town, at=T0 + dt.timedelta(hours=3))
        assert (
            act(
                s,
                rid,
                "complete",
                "甲镇干部",
                viewer=town,
                note="已修复",
                at=T0 + dt.timedelta(days=2),
            )
            == "completed"
        )
        assert (
            callback(
                s,
                rid,
                "回访员",
                satisfaction=1,
                resolved=False,
                viewer=CENTRE,
                at=T0 + dt.timedelta(days=3),
            )
            == "reopened"
        )
        act(s, rid, "sign", "甲镇干部", viewer=town, at=T0 + dt.timedelta(days=3, hours=1))
        act(s, rid, "complete", "甲镇干部", viewer=town, at=T0 + dt.timedelta(days=5))
        assert (
            callback(
                s,
                rid,
                "回访员",
                satisfaction=3,
                resolved=True,
                viewer=CENTRE,
                at=T0 + dt.timedelta(days=6),
            )
            == "closed"
        )
        evs = events(s, rid)
    assert [e.action for e in evs] == [
        "accept",
        "dispatch",
        "sign",
        "process",
        "complete",
        "callback_unsatisfied",
        "sign",
        "complete",
        "callback_satisfied",
    ]
    assert evs[2].actor == "甲镇干部" and evs[2].at == (T0 + dt.timedelta(hours=2)).astimezone(
        dt.UTC
    )
    # the database itself refuses to rewrite history
    with pytest.raises(StoreError), store.transaction() as s:
        s.execute(update(VoiceEventRow).where(VoiceEventRow.request_id == rid).values(actor="x"))
    with pytest.raises(StoreError), store.transaction() as s:
        s.execute(text("DELETE FROM voice_events"))
    # invalid steps and wrong people are refused
    with pytest.raises(TransitionError), store.transaction() as s:
        act(s, rid, "sign", "甲镇干部", viewer=town)
    with store.transaction() as s:
        rid2 = submit(s, sub(), units, default_limits()).id
    with pytest.raises(PermissionDenied), store.transaction() as s:
        act(s, rid2, "sign", "乙镇干部", viewer=Viewer("乙镇干部", frozenset({"bijiang_t2"})))
    with pytest.raises(PermissionDenied), store.transaction() as s:
        act(s, rid2, "merge", "甲镇干部", viewer=town, related_id=rid)


def test_wrong_routing_is_returned_and_redispatched(store: Store) -> None:
    with store.transaction() as s:
        units = load_units(s)
        rid = submit(s, sub(), units, default_limits()).id
        act(s, rid, "return", "甲镇干部", note="不属本镇 not ours", at=T0 + dt.timedelta(hours=1))
        act(
            s,
            rid,
            "dispatch",
            "12345中心",
            unit_id="bijiang_t2",
            units=units,
            at=T0 + dt.timedelta(hours=2),
        )
        assert public(s, rid, units).unit_id == "bijiang_t2"
        # 首接负责: after 24 h the new receiver can no longer hand it back
        with pytest.raises(TransitionError, match="首接负责"):
            act(s, rid, "return", "乙镇干部", at=T0 + dt.timedelta(days=2))
    with store.transaction() as s:
        d = detail(s, rid, units, Viewer("甲镇", frozenset({"bijiang_t1"})))
    assert d.requester is not None  # the first receiver handled it, so it may see who asked


def test_merge_and_malicious_repeats(store: Store) -> None:
    with store.transaction() as s:
        units = load_units(s)
        ids = [
            submit(
                s,
                sub(
                    requested_at=T0 + dt.timedelta(hours=i),
                    requester=Requester(phone="13800000000"),
                ),
                units,
                default_limits(),
            ).id
            for i in range(6)
        ]
        other = submit(s, sub(requester=Requester(phone="13900000000")), units, default_limits()).id
        assert merge(s, other, ids[0], "12345中心", viewer=CENTRE) == "merged"
        with pytest.raises(DataError):
            merge(s, ids[0], ids[0], "12345中心")
        flagged = flag_repeats(s, "12345中心", threshold=5)
        again = flag_repeats(s, "12345中心", threshold=5)
        assert public(s, other, units).status == "closed"
    assert flagged == ids[1:] and again == []


def test_overdue_requests_escalate_once_to_the_parent(store: Store) -> None:
    with store.transaction() as s:
        units = load_units(s)
        late = submit(s, sub(service_code="policy_consult"), units, default_limits()).id
        done = submit(s, sub(service_code="policy_consult"), units, default_limits()).id
        act(s, done, "answer", "12345中心")
        # consultation: 2 working days (due end of Wed 5 March), + 3 working days → Mon 10 March
        early = escalate_overdue(s, default_limits(), units, "督办", at=T0 + dt.timedelta(days=6))
        out = escalate_overdue(s, default_limits(), units, "督办", at=T0 + dt.timedelta(days=8))
        again = escalate_overdue(s, default_limits(), units, "督办", at=T0 + dt.timedelta(days=9))
    assert early == [] and out == [(late, "tongren")] and again == []


def test_offline_visit_keeps_visitor_place_and_time(store: Store) -> None:
    visit = dt.datetime(2025, 5, 6, 15, tzinfo=CHINA)
    with store.transaction() as s:
        units = load_units(s)
        done = record_offline(
            s,
            units,
            default_limits(),
            kind="visit",
            visitor="王干部",
            place="甲镇三组",
            visited_at=visit,
            township_id="bijiang_t1",
            service_code="sanitation",
            description="垃圾清运不及时",
        )
        d = detail(s, done.id, units, CENTRE)
        with pytest.raises(DataError):
            record_offline(
                s,
                units,
                default_limits(),
                kind="phone",
                visitor="x",
                place="y",
                visited_at=visit,
                township_id="bijiang_t1",
                service_code="noise",
                description="",
            )
    assert d.request.channel == "visit" and d.request.requested_at == visit.astimezone(dt.UTC)
    assert d.extra["visitor"] == "王干部" and d.extra["place"] == "甲镇三组"


def test_concurrent_retries_with_one_key_create_one_request(store: Store) -> None:
    results: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with store.transaction() as s:
                results.append(
                    submit(
                        s,
                        sub(idempotency_key="same", client_id=None),
                        load_units(s),
                        default_limits(),
                    ).id
                )
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(set(results)) == 1 and len(results) == 6
    with store.transaction() as s:
        assert count_requests(s) == 1


def test_state_changes_are_committed_to_the_ledger(store: Store) -> None:
    from zhengji.ledger.log import size, verify_record
    from zhengji.store.schema_voice import VoiceEventRow as Ev
    from zhengji.voice.ledgering import event_record

    with store.transaction() as s:
        before = size(s)
        rid = submit(s, sub(), load_units(s), default_limits(), ledger=True).id
        act(s, rid, "sign", "甲镇干部", at=T0 + dt.timedelta(hours=1))
        assert size(s) == before + 3  # accept, dispatch, sign
        rows = s.scalars(select(Ev).where(Ev.request_id == rid).order_by(Ev.id)).all()
        sign = rows[-1]
        rec = event_record(
            sign.id,
            {
                "request_id": rid,
                "action": sign.action,
                "state": sign.state,
                "unit_id": sign.unit_id,
                "actor": sign.actor,
                "at": sign.at,
            },
        )
        assert verify_record(s, before + 2, rec)
        forged = {**rec, "actor": "别人"}
        assert not verify_record(s, before + 2, forged)


def test_submissions_wait_for_the_batch_sync(store: Store) -> None:
    from zhengji.ledger.log import size
    from zhengji.voice.ledgering import sync

    with store.transaction() as s:
        before = size(s)
        for _ in range(3):
            submit(s, sub(), load_units(s), default_limits())
        assert size(s) == before  # not yet: the POST path does not wait for the ledger
        assert sync(s) == 6 and sync(s) == 0
        assert size(s) == before + 6
