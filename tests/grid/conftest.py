"""Fixtures of the grid tests: a migrated store (SQLite file; PostgreSQL when configured) with
voice units for a county and two townships, and a small grid structure imported from CSV.

Structure: village v1 (township t1) with grids g1 (group k1: h1 h2 h3, lead h1) and g2
(group k2: h4 h5); village v2 (township t2) with grid g3 (group k3: h6).
People: w1/w2/w3 grid workers of g1/g2/g3; l1 lead household of k1; m1 mediator of v1
(part time), m2 of township t1, m3 of the county; z1 centre staff of t1, zc of the county; vol1, vol2
volunteers of v1 (vol1 has eco holder H1); law1 法律明白人 of v1.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from zhengji.grid.importer import read_structure
from zhengji.grid.roster import store_structure
from zhengji.store import Store
from zhengji.voice.limits import TimeLimits, default_limits
from zhengji.voice.units import Unit, load_units, register_units

PG_ENV = "ZHENGJI_TEST_POSTGRES_URL"
UNITS = [
    Unit("tongren", "铜仁市", None, "city", 27.72, 109.19),
    Unit("c1", "甲县", "tongren", "county", 27.7, 109.2),
    Unit("t1", "甲镇", "c1", "township", 27.71, 109.21),
    Unit("t2", "乙镇", "c1", "township", 27.80, 109.30),
]
FILES = {
    "villages": "village_id,name,township_id,kind\nv1,一村,t1,village\nv2,二社区,t2,community\n",
    "grids": "grid_id,name,village_id\ng1,一网格,v1\ng2,二网格,v1\ng3,三网格,v2\n",
    "groups": "group_id,name,grid_id,lead_household_id\nk1,一组,g1,h1\nk2,二组,g2,h4\n"
    "k3,三组,g3,h6\n",
    "households": "household_id,group_id,members\nh1,k1,3\nh2,k1,2\nh3,k1,4\nh4,k2,1\n"
    "h5,k2,2\nh6,k3,5\n",
    "people": "person_id,name,phone,role,unit_id,mode,eco_holder_id\n"
    "w1,网格员甲,13800000001,grid_worker,g1,,\n"
    "w2,网格员乙,,grid_worker,g2,,\n"
    "w3,网格员丙,,grid_worker,g3,,\n"
    "l1,联户长甲,,lead_household,k1,,\n"
    "m1,调解员甲,,mediator,v1,part_time,\n"
    "m2,调解员乙,,mediator,t1,full_time,\n"
    "m3,调解员丙,,mediator,c1,full_time,\n"
    "z1,中心甲,,centre,t1,,\n"
    "zc,县中心甲,,centre,c1,,\n"
    "vol1,志愿者甲,,volunteer,v1,,H1\n"
    "vol2,志愿者乙,,volunteer,v1,,\n"
    "law1,明白人甲,,legal_literate,v1,,\n",
}


def write_files(d: Path, files: dict[str, str]) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    for name, body in files.items():
        (d / f"{name}.csv").write_text(body, encoding="utf-8")
    return d


@dataclass(frozen=True)
class World:
    store: Store
    units: dict[str, Unit]
    limits: TimeLimits


@pytest.fixture
def bare(db_url: str) -> Iterator[Store]:
    store = Store.open(db_url)
    with store.transaction() as s:
        register_units(s, UNITS)
    yield store
    store.close()


@pytest.fixture
def world(bare: Store, tmp_path: Path) -> World:
    structure = read_structure(write_files(tmp_path / "grid", FILES))
    with bare.transaction() as s:
        store_structure(s, structure)
        units = load_units(s)
    return World(bare, units, default_limits())
