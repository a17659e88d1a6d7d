"""Group commit of Open311 POSTs (``zhengji.voice.requests.GroupCommit``) and the POST's
url-encoded fast path: many requests per transaction, each acknowledged only after its commit,
idempotency kept inside a batch, a bad row failing alone, the same fields as Starlette's form."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import urllib.parse
from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import func, select
from starlette.requests import Request

from zhengji.errors import StoreError
from zhengji.ledger.log import size
from zhengji.store import Store
from zhengji.store.schema_voice import VoiceEventRow, VoiceRequestRow
from zhengji.voice.limits import CHINA, default_limits
from zhengji.voice.open311 import Open311Error, _form
from zhengji.voice.requests import (
    Accepted,
    GroupCommit,
    Requester,
    Submission,
    Submitted,
    accept,
    count_requests,
)
from zhengji.voice.units import load_units

from .conftest import Live

T0 = dt.datetime(2025, 3, 3, 9, tzinfo=CHINA)  # a Monday


def _sub(key: str | None, client: int | None = None) -> Submission:
    return Submission(
        jurisdiction_id="bijiang",
        service_code="road_repair",
        channel="open311",
        actor="open311:test",
        address_id="bijiang_t1",
        requested_at=T0,
        requester=Requester(phone="13700000001"),
        idempotency_key=key,
        client_id=client,
    )


def test_concurrent_posts_keep_keys_and_are_all_in_the_ledger(live: Live) -> None:
    """60 POSTs at once, 20 keys sent twice: 40 requests, each key answered with one id."""

    async def go() -> list[httpx.Response]:
        async with httpx.AsyncClient(timeout=30) as c:
            data = {"api_key": live.api_key, "jurisdiction_id": "bijiang",
                    "service_code": "road_repair", "address_id": "bijiang_t1"}  # fmt: skip
            keys = [f"k{i}" for i in range(40)] + [f"k{i}" for i in range(20)]
            return list(
                await asyncio.gather(
                    *(
                        c.post(
                            f"{live.base}/requests.json", data=data, headers={"Idempotency-Key": k}
                        )
                        for k in keys
                    )
                )
            )

    answers = asyncio.run(go())
    assert sorted({r.status_code for r in answers}) in ([201], [200, 201])
    assert sum(r.status_code == 201 for r in answers) == 40
    ids = [r.json()[0]["service_request_id"] for r in answers]
    assert ids[40:] == ids[:20]  # a repeated key gets the request its first use made
    assert len(set(ids)) == 40
    with live.store.transaction() as s:
        assert count_requests(s) == 40
        n_events = s.scalar(select(func.count()).select_from(VoiceEventRow))
        assert n_events == 80  # accept + dispatch, once per request
        assert size(s) == 80  # each batch appended its events to the ledger before the answer


def test_a_key_repeated_within_one_batch_is_one_request(store: Store) -> None:
    """Three jobs queued while the writer is busy share one transaction; the repeat replays."""
    with store.transaction() as s:
        units = load_units(s)
    limits = default_limits()
    writer = GroupCommit(store.transaction)

    gate = threading.Event()

    def held() -> Accepted:  # keeps the writer busy until the three below are queued
        gate.wait(10)
        return accept(_sub("before"), units, limits)

    def job(x: Submission) -> Callable[[], Accepted]:
        return lambda: accept(x, units, limits)

    async def go() -> list[Submitted]:
        first = asyncio.ensure_future(writer.submit(held))
        subs = [_sub("same"), _sub("same"), _sub("other")]
        rest = [asyncio.ensure_future(writer.submit(job(x))) for x in subs]
        await asyncio.sleep(0.1)  # all queued behind the held job
        gate.set()
        await first
        return list(await asyncio.gather(*rest))

    first, again, other = asyncio.run(go())
    assert not first.replayed and again.replayed and not other.replayed
    assert again.id == first.id and again.token == first.token
    assert again.unit_id == first.unit_id == "bijiang_t1"  # road_repair is a township matter
    assert writer.written == 4 and writer.transactions == 2  # the held job, then the three
    with store.transaction() as s:
        assert count_requests(s) == 3  # "before", "same", "other"


def test_a_bad_row_fails_alone(store: Store) -> None:
    """A row the database refuses rolls the batch back; the others are written one by one."""
    with store.transaction() as s:
        units = load_units(s)
    limits = default_limits()
    writer = GroupCommit(store.transaction)
    bad_client = 999_999  # no such API key: the foreign key refuses the row

    async def go() -> list[Submitted | BaseException]:
        preps = [
            lambda: accept(_sub("a"), units, limits),
            lambda: accept(_sub("b", client=bad_client), units, limits),
            lambda: accept(_sub("c"), units, limits),
        ]
        return list(
            await asyncio.gather(*(writer.submit(p) for p in preps), return_exceptions=True)
        )

    a, b, c = asyncio.run(go())
    assert isinstance(a, Submitted) and isinstance(c, Submitted)
    assert isinstance(b, StoreError)
    assert writer.transactions == 2  # the failed batch is not counted; a and c alone
    with store.transaction() as s:
        keys = set(s.scalars(select(VoiceRequestRow.idempotency_key)))
    assert keys == {"0:a", "0:c"}


def test_what_prepare_raises_goes_to_its_caller_only(store: Store) -> None:
    with store.transaction() as s:
        units = load_units(s)
    limits = default_limits()
    writer = GroupCommit(store.transaction)

    def bad() -> Accepted:
        raise Open311Error(403, "api_key 无效 invalid api_key")

    async def go() -> list[Submitted | BaseException]:
        jobs = [writer.submit(bad), writer.submit(lambda: accept(_sub("ok"), units, limits))]
        return list(await asyncio.gather(*jobs, return_exceptions=True))

    err, ok = asyncio.run(go())
    assert isinstance(err, Open311Error) and err.status == 403
    assert isinstance(ok, Submitted) and not ok.replayed


def _request(body: bytes, ctype: str) -> Request:
    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": body, "more_body": False}

    scope = {"type": "http", "method": "POST", "path": "/", "query_string": b"",
             "headers": [(b"content-type", ctype.encode())]}  # fmt: skip
    return Request(scope, receive)


@pytest.mark.parametrize(
    "body",
    [
        b"api_key=x&service_code=road_repair&description=%E8%B7%AF%E7%81%AF+%E5%9D%8F%E4%BA%86",
        b"attribute%5Bkind%5D%5B%5D=a&attribute%5Bkind%5D%5B%5D=b&&lat=27.7&empty=&flag",
        b"a=1&a=2&b=x%3Dy=z&&&c+d=%2B&" + urllib.parse.urlencode({"d": "张三 & 李四"}).encode(),
    ],
)
def test_urlencoded_fast_path_reads_what_starlette_reads(body: bytes) -> None:
    """The POST splits url-encoded bodies itself; it must see the fields request.form() sees."""
    ctype = "application/x-www-form-urlencoded"

    async def go() -> tuple[object, object]:
        mine = await _form(_request(body, ctype))
        form = await _request(body, ctype + "; charset=utf-8").form()
        theirs = (dict(form.items()), {k: [str(v) for v in form.getlist(k)] for k in form})
        return mine, theirs

    mine, theirs = asyncio.run(go())
    assert mine == theirs


def test_urlencoded_fast_path_keeps_starlettes_field_limit() -> None:
    body = "&".join(f"f{i}=1" for i in range(1001)).encode()
    with pytest.raises(Open311Error) as exc:
        asyncio.run(_form(_request(body, "application/x-www-form-urlencoded")))
    assert exc.value.status == 400
