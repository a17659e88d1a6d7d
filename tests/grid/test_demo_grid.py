"""The demo grid world: validated structure for the 50 demo townships, a year of visits,
issues (as citizen requests), disputes (ledgered) and volunteer hours; deterministic."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from zhengji.demo.grid import GridDemo, populate
from zhengji.grid.facts import indicator_rows
from zhengji.grid.indicators import INDICATORS
from zhengji.ledger import log
from zhengji.store import Store
from zhengji.store.schema_voice import VoiceRequestRow


def test_demo_year(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'demo.db'}")
    got = populate(store, seed=20251)
    assert got.households == 50 * 4 * 3 * 4 * 10
    assert got.disputes > 1000 and got.events > 5 * got.disputes
    assert populate(store, seed=20251) == GridDemo(0, 0, 0, 0, 0, 0)
    with store.transaction() as s:
        assert (
            s.scalar(
                select(func.count(VoiceRequestRow.id)).where(VoiceRequestRow.channel == "visit")
            )
            == got.issues
        )
        assert log.size(s) >= got.events
        rows = indicator_rows(s, "2025")
    towns = {r.unit_id for r in rows if r.indicator_id == "grid_mediation_success"}
    assert len([u for u in towns if "_t" in u and "_v" not in u]) == 50
    assert {r.indicator_id for r in rows} == set(INDICATORS)
    cov = [
        r.value for r in rows if r.indicator_id == "grid_visit_coverage" and "_t" not in r.unit_id
    ]
    assert len(cov) == 10 and all(40 < v < 95 for v in cov)
    store.close()
    # same seed, same world
    with Store.open(f"sqlite:///{tmp_path / 'again.db'}") as other:
        assert populate(other, seed=20251) == got
