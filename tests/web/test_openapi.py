"""Schemathesis against the published OpenAPI schema, over loopback: no request gets a 500.

Every operation of ``/openapi.json`` (the JSON twins, reports, the citizens' Open311 API) is
called with generated valid and invalid inputs, signed in as the office and as a county
reporter. Examples are bounded and derandomised so the run is fast and repeatable.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from tests.web.conftest import Client, World


def test_the_schema_lists_every_json_twin(world: World, clients: dict[str | None, Client]) -> None:
    doc = clients[None].get("/openapi.json").json()
    paths = set(doc["paths"])
    assert {
        "/index.json",
        "/units/{unit_id}.json",
        "/findings/{finding_id}.json",
        "/scheme.json",
    } <= paths
    assert not [p for p in paths if not (p.endswith((".json", ".{fmt}")))], paths


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
def test_no_server_errors(
    world: World, clients: dict[str | None, Client], mode: GenerationMode
) -> None:
    schema = schemathesis.openapi.from_url(world.base + "/openapi.json")
    cookies = [clients["admin"].cookie, clients["rep_jiangkou"].cookie]
    if mode is GenerationMode.NEGATIVE:
        cookies = cookies[:1]
    failures: list[str] = []
    ops = [r.ok() for r in schema.get_all_operations()]
    assert len(ops) >= 15

    for op in ops:

        @settings(
            max_examples=8 if mode is GenerationMode.POSITIVE else 5,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=op.as_strategy(generation_mode=mode))
        def run(case: schemathesis.Case) -> None:
            for cookie in cookies:
                r = case.call(
                    base_url=world.base, headers={"Cookie": f"zj_session={cookie}"}, timeout=30
                )
                if r.status_code >= 500:
                    failures.append(
                        f"{case.method} {case.formatted_path} → {r.status_code}: {r.text[:200]}"
                    )

        try:
            run()
        except Unsatisfiable:
            # negative mode: an operation whose inputs are all free text has no invalid input
            assert mode is GenerationMode.NEGATIVE
    assert not failures, "\n".join(failures[:20])
