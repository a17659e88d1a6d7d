"""The screen reads leadership-turnover years from the store's tenure records: with the demo's
tenures recorded, the proxy check tests turnover years (Wallace 2016's politically sensitive
years); without tenures it does not."""

from __future__ import annotations

from pathlib import Path

from zhengji.accountability.checks import turnover_periods
from zhengji.accountability.service import load_records
from zhengji.demo import build_world
from zhengji.demo.accountability import populate
from zhengji.pipeline import run_bundle, screen_bundle
from zhengji.store import Store


def test_turnover_years_come_from_recorded_tenures(tmp_path: Path) -> None:
    root = build_world(tmp_path / "b")
    url = f"sqlite:///{tmp_path / 'z.db'}"
    run_bundle(root, db_url=url, store=True)
    before = screen_bundle(root, db_url=url)
    assert not [f for f in before.result.findings if f.check == "proxy_flag:turnover"]

    with Store.open(url) as st:
        populate(st)
        with st.transaction() as s:
            turnover = turnover_periods(load_records(s).tenures)
    periods = set(before.bundle.panel.periods)
    cells = sum(len(set(ys) & periods) for u, ys in turnover.items())
    assert cells > 0

    after = screen_bundle(root, db_url=url)
    (flag,) = [f for f in after.result.findings if f.check == "proxy_flag:turnover"]
    assert flag.evidence["flagged_cells"] == cells
    assert flag.evidence["period_effects"] == 1.0
