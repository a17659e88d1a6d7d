"""The demo world's eco accounts: sizes, planted anti-fraud cases caught, indicators derived."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from zhengji.demo.catalogue import COUNTIES
from zhengji.demo.eco import (
    BURST_INSPECTOR,
    CLUSTER_AT,
    SHARED_DEVICE,
    UNDER_CAP_INSPECTOR,
    gep_input_rows,
    populate,
)
from zhengji.eco import service as sv
from zhengji.eco.indicators import account_rows
from zhengji.eco.screen import record_findings, screen
from zhengji.scheme import parse_scheme
from zhengji.store import Store
from zhengji.store.findings import list_findings

END = dt.datetime(2025, 12, 31, tzinfo=dt.UTC)
SCHEME = """\
[scheme]
id = "eco_test"
name = "生态测试"

[[pillars]]
id = "ecology"
name = "生态"
parent = "index"

[[indicators]]
id = "eco_mean_score"
name = "户均积分"
parent = "ecology"
source = "derived"
"""


def test_demo_small_world(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'demo.db'}")
    r = populate(store, 20251, holders_per_village=25)
    assert r.holders == 10 * 5 * 4 * 25
    assert r.awards > 5 * r.holders // 10 and r.reversals == 45 and r.open_objections == 15
    assert r.gep_inputs == 10 * 5 * 15
    assert populate(store, 20251, holders_per_village=25).holders == 0  # second run: no-op
    with store.transaction() as s:
        _, rb = sv.current_rulebook(s)
        found = screen(s, rb, "2025", END)
        flagged = {(f.check, f.indicator_id) for f in found if f.severity in ("high", "medium")}
        bal = sv.holder_balances(s, rb, END)
        units = sv.holder_units(s)
        scheme = parse_scheme(SCHEME, "eco-test.toml")
        sid = record_findings(s, scheme, found)
        stored = list_findings(s, sid)
    assert ("eco_burst", f"eco_awards/{BURST_INSPECTOR}") in flagged
    assert ("eco_under_cap", f"eco_awards/{UNDER_CAP_INSPECTOR}") in flagged
    assert ("eco_device_shared", f"eco_device/{SHARED_DEVICE}") in flagged
    assert (
        "eco_location_cluster",
        f"eco_location/{CLUSTER_AT[0]:.4f},{CLUSTER_AT[1]:.4f}",
    ) in flagged
    assert len(flagged) == 4  # nothing else in the clean part of the world is flagged
    assert len(stored) == len(found)
    rows = account_rows(units, bal, rb, "2025")
    county = {(x.unit_id, x.indicator_id): x.value for x in rows}
    assert {c.id for c in COUNTIES} <= {u for u, _ in county}
    assert all(0 < county[c.id, "eco_participation"] <= 100 for c in COUNTIES)
    eco = [county[c.id, "eco_mean_score"] for c in COUNTIES if c.category == "eco"]
    urban = [county[c.id, "eco_mean_score"] for c in COUNTIES if c.category == "urban"]
    assert min(eco) > max(urban)  # the demo makes eco counties participate more
    assert all(x.source == "derived" for x in rows)
    store.close()


def test_gep_inputs_deterministic() -> None:
    assert gep_input_rows(7) == gep_input_rows(7)
    assert gep_input_rows(7) != gep_input_rows(8)
