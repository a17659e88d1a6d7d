"""Open311 GeoReport v2 conformance, walked end to end over real HTTP on loopback.

The spec: http://wiki.open311.org/GeoReport_v2/ . Every JSON response is validated against
the community's JSON schemas (open311/schema-validation, copied to tests/data/open311).
"""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from zhengji.voice.views import Viewer, detail

from .conftest import Live

SCHEMAS = Path(__file__).resolve().parents[1] / "data" / "open311"


def _validator(name: str) -> Draft7Validator:
    registry: Registry[Any] = Registry()
    for f in SCHEMAS.glob("*.json"):
        if f.name == "swagger.json":
            continue
        registry = registry.with_resource(
            f.name, Resource.from_contents(json.loads(f.read_text()), default_specification=DRAFT7)
        )
    schema = json.loads((SCHEMAS / name).read_text())
    return Draft7Validator(schema, registry=registry)


def valid(name: str, data: Any) -> None:
    errors = sorted(_validator(name).iter_errors(data), key=str)
    assert not errors, [e.message for e in errors]


def test_schemas_reject_a_wrong_response() -> None:
    # the validator really checks: a request without its required fields fails
    assert list(_validator("requests.json").iter_errors([{"status": "pending"}]))


def post(live: Live, client: httpx.Client, key: str | None = None, **form: str) -> httpx.Response:
    data = {"api_key": live.api_key, "jurisdiction_id": "bijiang", **form}
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(f"{live.base}/requests.json", data=data, headers=headers)


def test_spec_walk_end_to_end(live: Live) -> None:
    with httpx.Client(timeout=10) as c:
        # discovery
        d = c.get(f"{live.base}/discovery.json")
        assert d.status_code == 200
        ep = d.json()["endpoints"][0]
        assert ep["specification"] == "http://wiki.open311.org/GeoReport_v2"
        assert ep["url"] == live.base
        assert ET.fromstring(c.get(f"{live.base}/discovery.xml").text).tag == "discovery"
        # services, for the city and for a county
        for jid in ("tongren", "bijiang"):
            s = c.get(f"{live.base}/services.json", params={"jurisdiction_id": jid})
            assert s.status_code == 200
            valid("services.json", s.json())
        codes = [x["service_code"] for x in s.json()]
        assert "noise" in codes and "road_repair" in codes
        assert (
            c.get(f"{live.base}/services.json", params={"jurisdiction_id": "nowhere"}).status_code
            == 404
        )
        # service definition with attributes
        sd = c.get(f"{live.base}/services/noise.json")
        assert sd.status_code == 200
        valid("service-definition.json", sd.json())
        attr = sd.json()["attributes"][0]
        assert attr["code"] == "time_of_day" and attr["required"] is True
        assert {v["key"] for v in attr["values"]} == {"day", "night"}
        root = ET.fromstring(c.get(f"{live.base}/services/noise.xml").text)
        assert (
            root.tag == "service_definition"
            and root.find("attributes/attribute/code").text == "time_of_day"
        )  # type: ignore[union-attr]
        nf = c.get(f"{live.base}/services/nope.json")
        assert nf.status_code == 404 and nf.json()[0]["code"] == 404
        # POST: api_key required (403), bad input (400), then created (201)
        r = c.post(
            f"{live.base}/requests.json",
            data={"service_code": "noise", "lat": "27.7", "long": "109.2"},
        )
        assert r.status_code == 403 and r.json()[0]["code"] == 403
        r = c.post(f"{live.base}/requests.json", data={"api_key": "wrong", "service_code": "noise"})
        assert r.status_code == 403
        r = post(live, c, service_code="noise", lat="27.71", long="109.21")
        assert r.status_code == 400 and "time_of_day" in r.json()[0]["description"]
        r = post(live, c, service_code="noise", **{"attribute[time_of_day]": "night"})
        assert r.status_code == 400 and "location" in r.json()[0]["description"]
        r = post(
            live,
            c,
            service_code="noise",
            lat="27.71",
            long="109.21",
            description="夜里施工噪声 联系我 13912345678",
            phone="13912345678",
            first_name="三",
            last_name="张",
            **{"attribute[time_of_day]": "night"},
        )
        assert r.status_code == 201, r.text
        created = r.json()[0]
        rid, token = created["service_request_id"], created["token"]
        # tokens
        t = c.get(f"{live.base}/tokens/{token}.json")
        assert t.status_code == 200 and t.json()[0]["service_request_id"] == rid
        assert c.get(f"{live.base}/tokens/nope.json").status_code == 404
        # the request, public and anonymised
        one = c.get(f"{live.base}/requests/{rid}.json")
        assert one.status_code == 200
        valid("requests.json", one.json())
        req = one.json()[0]
        assert req["status"] == "open" and req["zhengji"]["state"] == "dispatched"
        assert req["agency_responsible"] == "甲镇" and req["address_id"] == "bijiang_t1"
        assert "13912345678" not in one.text and "张" not in one.text
        assert "139****5678" in req["description"]
        dt.datetime.fromisoformat(req["requested_datetime"])
        dt.datetime.fromisoformat(req["expected_datetime"])
        x = ET.fromstring(c.get(f"{live.base}/requests/{rid}.xml").text)
        assert x.tag == "service_requests" and x.find("request/status").text == "open"  # type: ignore[union-attr]
        assert c.get(f"{live.base}/requests/99999.json").status_code == 404
        # a second request elsewhere, then the filters
        r2 = post(live, c, service_code="road_repair", address_id="bijiang_t2", description="路灯")
        assert r2.status_code == 201
        rid2 = r2.json()[0]["service_request_id"]
        allr = c.get(f"{live.base}/requests.json")
        valid("requests.json", allr.json())
        assert {x["service_request_id"] for x in allr.json()} == {rid, rid2}
        by_id = c.get(f"{live.base}/requests.json", params={"service_request_id": f"{rid},{rid2}"})
        assert len(by_id.json()) == 2
        by_code = c.get(f"{live.base}/requests.json", params={"service_code": "road_repair"})
        assert [x["service_request_id"] for x in by_code.json()] == [rid2]
        assert c.get(f"{live.base}/requests.json", params={"status": "closed"}).json() == []
        assert len(c.get(f"{live.base}/requests.json", params={"status": "open"}).json()) == 2
        future = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat()
        assert c.get(f"{live.base}/requests.json", params={"start_date": future}).json() == []
        old = {"start_date": "2020-01-01T00:00:00Z", "end_date": "2020-12-31T00:00:00Z"}
        bad = c.get(f"{live.base}/requests.json", params=old)
        assert bad.status_code == 400 and "90" in bad.json()[0]["description"]
        assert c.get(f"{live.base}/requests.json", params={"status": "pending"}).status_code == 400
        lst = ET.fromstring(c.get(f"{live.base}/requests.xml").text)
        assert len(lst.findall("request")) == 2
        assert (
            c.get(f"{live.base}/requests.json", params={"jurisdiction_id": "wanshan"}).json() == []
        )
        # an unknown format is an error, not a crash
        assert c.get(f"{live.base}/services.html").status_code == 404
    # staff handling the request see who asked; nobody else does
    with live.store.transaction() as s:
        from zhengji.voice.units import load_units

        units = load_units(s)
        mine = detail(s, int(rid), units, Viewer("u", frozenset({"bijiang_t1"})))
        other = detail(s, int(rid), units, Viewer("v", frozenset({"bijiang_t2"})))
        public = detail(s, int(rid), units, None)
    assert mine.requester is not None and mine.requester.phone == "13912345678"
    assert mine.requester.name == "张三"
    assert other.requester is None and public.requester is None


def test_idempotent_post_never_creates_two(live: Live) -> None:
    with httpx.Client(timeout=10) as c:
        first = post(live, c, key="k-1", service_code="sanitation", address_id="bijiang_t1")
        again = post(live, c, key="k-1", service_code="sanitation", address_id="bijiang_t1")
        other = post(live, c, key="k-2", service_code="sanitation", address_id="bijiang_t1")
    assert first.status_code == 201 and again.status_code == 200 and other.status_code == 201
    assert first.json()[0]["service_request_id"] == again.json()[0]["service_request_id"]
    assert other.json()[0]["service_request_id"] != first.json()[0]["service_request_id"]
    with live.store.transaction() as s:
        from zhengji.voice.requests import count_requests

        assert count_requests(s) == 2


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_errors_are_code_and_description(live: Live, fmt: str) -> None:
    r = httpx.get(f"{live.base}/services/none.{fmt}")
    assert r.status_code == 404
    if fmt == "json":
        assert r.json() == [{"code": 404, "description": r.json()[0]["description"]}]
    else:
        root = ET.fromstring(r.text)
        assert root.tag == "errors" and root.find("error/code").text == "404"  # type: ignore[union-attr]
