"""The demo world's ecological accounts and GEP inputs (示例数据（模拟）).

~20,000 holders in the 10 counties (4 villages per demo township, 100 holders per village), a
year (2025) of awards under the default rulebook, each inspected, signed off by the township
reviewer and posted; a few reversed on objection, a few still under objection or unsigned.
GEP inputs (physical quantities and GDP) per county for 2021–2025. Deterministic by seed, from
its own random stream. Planted for the anti-fraud screen (docs/eco.md, "Demo"):

* :data:`BURST_INSPECTOR` records 80 awards on one day;
* :data:`SHARED_DEVICE` is used by two inspectors of sinan;
* :data:`CLUSTER_AT`: evidence of 8 songtao holders taken at one spot;
* :data:`UNDER_CAP_INSPECTOR` leaves most of their holders one award under the waste-sorting cap.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import insert, select

from zhengji.demo.catalogue import COUNTIES, township_units
from zhengji.eco import service as sv
from zhengji.eco.importer import GDP, store_gep_inputs
from zhengji.eco.rulebook import Rulebook, default_rulebook
from zhengji.store.schema_eco import (
    EcoAccountRow,
    EcoHolderNameRow,
    EcoHolderRow,
    EcoPersonRow,
)

__all__ = [
    "BURST_INSPECTOR",
    "CLUSTER_AT",
    "PERIOD",
    "SHARED_DEVICE",
    "UNDER_CAP_INSPECTOR",
    "EcoDemo",
    "populate",
]

STREAM = 31
PERIOD = "2025"
VILLAGES_PER_TOWNSHIP = 4
HOLDERS_PER_VILLAGE = 100
BURST_INSPECTOR = "demo-insp-jiangkou_t2-a"
SHARED_DEVICE = "demo-dev-sinan_t3-a"
UNDER_CAP_INSPECTOR = "demo-insp-dejiang_t1-a"
CLUSTER_AT = (27.7012, 108.9034)
CHINA = dt.timezone(dt.timedelta(hours=8))
_BY = "示例数据（模拟） demo"
# invented county centres (approximate, for plausible coordinates only)
_CENTRE = {
    "bijiang": (27.72, 109.19),
    "wanshan": (27.52, 109.21),
    "jiangkou": (27.70, 108.84),
    "yuping": (27.24, 108.91),
    "shiqian": (27.51, 108.23),
    "sinan": (27.94, 108.25),
    "yinjiang": (28.00, 108.41),
    "dejiang": (28.26, 108.12),
    "yanhe": (28.56, 108.50),
    "songtao": (28.16, 109.20),
}
_KINDS = ("household", "sole_trader", "enterprise")


@dataclass(frozen=True)
class EcoDemo:
    holders: int
    awards: int
    reversals: int
    open_objections: int
    gep_inputs: int


def populate(
    store: Any,
    seed: int = 20251,
    rb: Rulebook | None = None,
    holders_per_village: int = HOLDERS_PER_VILLAGE,
) -> EcoDemo:
    """Write the demo accounts, a year of awards and the GEP inputs into ``store``.

    Run once on a store (a second run finds the demo holders and does nothing but report).
    ``holders_per_village`` smaller than 100 makes a smaller world (tests).
    """
    rb = rb or default_rulebook()
    rng = np.random.default_rng((seed, STREAM))
    with store.transaction() as s:
        if s.get(EcoHolderRow, _holder_id("bijiang_t1_v1", 1)) is not None:
            return EcoDemo(0, 0, 0, 0, 0)
        rb_pk = sv.install_rulebook(s, rb)
        holders = _people_and_holders(s, rng, holders_per_village)
        awards = _awards(rng, rb, holders)
        ids = sv.award_many(s, rb_pk, rb, awards, _BY)
        rev, open_obj = _objections(s, rng, ids, awards)
        n_gep = store_gep_inputs(s, gep_input_rows(seed))
    return EcoDemo(len(holders), len(ids), rev, open_obj, n_gep)


def _holder_id(village: str, k: int) -> str:
    return f"demo-{village}-{k:03d}"


def _people_and_holders(
    s: Any, rng: np.random.Generator, per_village: int
) -> list[tuple[str, str, str, str, str]]:
    """Bulk-insert people, holders, names and accounts; returns (holder, village, township,
    county, inspector, reviewer) rows."""
    now = dt.datetime.now(dt.UTC)
    people: list[dict[str, Any]] = []
    holders: list[dict[str, Any]] = []
    out = []
    for tid, _name, cid in township_units():
        insp, rev = f"demo-insp-{tid}-a", f"demo-rev-{tid}"
        people += [
            {
                "id": insp,
                "household_id": f"demo-hh-{insp}",
                "name": "核查员（示例）",
                "erased_at": None,
            },
            {
                "id": f"demo-insp-{tid}-b",
                "household_id": f"demo-hh-{tid}-b",
                "name": "核查员（示例）",
                "erased_at": None,
            },
            {
                "id": rev,
                "household_id": f"demo-hh-{rev}",
                "name": "复核员（示例）",
                "erased_at": None,
            },
        ]
        for v in range(1, VILLAGES_PER_TOWNSHIP + 1):
            village = f"{tid}_v{v}"
            for k in range(1, per_village + 1):
                hid = _holder_id(village, k)
                kind = "village" if k == 1 else _KINDS[int(rng.choice(3, p=[0.9, 0.07, 0.03]))]
                pid = hh = None
                if kind in ("household", "sole_trader"):
                    pid, hh = f"{hid}-p", f"{hid}-hh"
                    people.append(
                        {
                            "id": pid,
                            "household_id": hh,
                            "name": f"户主{k:03d}（示例）",
                            "erased_at": None,
                        }
                    )
                holders.append(
                    {
                        "id": hid,
                        "kind": kind,
                        "village_id": village,
                        "township_id": tid,
                        "county_id": cid,
                        "household_id": hh,
                        "person_id": pid,
                        "created_at": now,
                    }
                )
                out.append((hid, village, tid, cid, kind))
    s.execute(insert(EcoPersonRow), people)
    s.execute(insert(EcoHolderRow), holders)
    s.execute(
        insert(EcoHolderNameRow),
        [
            {"holder_id": h["id"], "name": f"{h['id'][5:]}（示例）", "erased_at": None}
            for h in holders
        ],
    )
    s.execute(
        insert(EcoAccountRow),
        [{"kind": "holder", "holder_id": h["id"], "programme": None} for h in holders],
    )
    return out


def _when(rng: np.random.Generator, day: int | None = None) -> dt.datetime:
    d = int(rng.integers(0, 330)) if day is None else day
    minutes = int(rng.integers(9 * 60, 17 * 60))
    return dt.datetime(2025, 1, 1, tzinfo=CHINA) + dt.timedelta(days=d, minutes=minutes)


def _awards(
    rng: np.random.Generator, rb: Rulebook, holders: list[tuple[str, str, str, str, str]]
) -> list[sv.AwardInput]:
    eco = {c.id for c in COUNTIES if c.category == "eco"}
    items = rb.items
    dim_cap = {d.id: d.cap for d in rb.dimensions}
    out: list[sv.AwardInput] = []
    vcentre: dict[str, tuple[float, float]] = {}
    for hid, village, tid, cid, _kind in holders:
        if village not in vcentre:
            la, lo = _CENTRE[cid]
            vcentre[village] = (la + float(rng.normal(0, 0.08)), lo + float(rng.normal(0, 0.08)))
        active = 0.85 if cid in eco else 0.65
        if rng.random() > active:
            continue  # not participating this year
        used: dict[str, int] = {}
        insp = f"demo-insp-{tid}-{'a' if rng.random() < 0.5 else 'b'}"
        for it in items:
            planted = insp == UNDER_CAP_INSPECTOR and it.id == "waste_sorting"
            if rng.random() > (0.2 if cid in eco else 0.12) and not planted:
                continue
            n = int(rng.integers(1, min(2, it.cap // it.points) + 1))
            if planted:
                n = it.cap // it.points - 1  # planted: one award under the cap
            n = min(n, (dim_cap[it.dimension] - used.get(it.dimension, 0)) // it.points)
            used[it.dimension] = used.get(it.dimension, 0) + n * it.points
            la, lo = vcentre[village]
            for _ in range(n):
                at = _when(rng)
                lat, lon = la + float(rng.normal(0, 0.01)), lo + float(rng.normal(0, 0.01))
                out.append(
                    sv.AwardInput(
                        hid,
                        it.id,
                        PERIOD,
                        insp,
                        at,
                        f"demo://photo/{hid}/{len(out)}.jpg",
                        lat,
                        lon,
                        at,
                        f"demo-dev-{insp[10:]}",
                        None if rng.random() < 0.02 else f"demo-rev-{tid}",
                        at + dt.timedelta(days=int(rng.integers(1, 4))),
                    )
                )
    return _plant(rng, out)


def _plant(rng: np.random.Generator, awards: list[sv.AwardInput]) -> list[sv.AwardInput]:
    from dataclasses import replace

    out = []
    burst = 0
    clustered: set[str] = set()
    burst_day = 200
    for a in awards:
        if a.inspector_id == BURST_INSPECTOR and burst < 80:
            t = _when(rng, burst_day)
            a = replace(a, awarded_at=t, evidence_at=t, signed_at=t + dt.timedelta(days=1))
            burst += 1
        elif (
            a.holder_id.startswith("demo-songtao_t2_v")
            and len(clustered) < 8
            and a.holder_id not in clustered
        ):
            a = replace(a, lat=CLUSTER_AT[0], lon=CLUSTER_AT[1])
            clustered.add(a.holder_id)
        elif a.inspector_id == "demo-insp-sinan_t3-b":
            a = replace(a, device_id=SHARED_DEVICE)
        out.append(a)
    return out


def _objections(
    s: Any, rng: np.random.Generator, ids: list[int], awards: list[sv.AwardInput]
) -> tuple[int, int]:
    """A few objections: most upheld (the award is reversed), some still open."""
    picks = rng.choice(len(ids), size=60, replace=False)
    reversals = opened = 0
    for n, k in enumerate(sorted(int(x) for x in picks)):
        a = awards[k]
        oid = sv.object_to(
            s,
            ids[k],
            "村民（示例）",
            "示例异议：现场与照片不符（模拟）",
            a.awarded_at + dt.timedelta(hours=2),
        )
        if n % 4 == 3:
            opened += 1
            continue
        sv.rule_on(
            s,
            oid,
            True,
            f"demo-rev-{a.inspector_id[10:-2]}",
            "示例：核实后不符合条件",
            a.awarded_at + dt.timedelta(days=3),
        )
        reversals += 1
    return reversals, opened


def gep_input_rows(seed: int = 20251) -> list[dict[str, Any]]:
    """GEP inputs (physical quantities and GDP) per county for 2021–2025 (invented)."""
    rng = np.random.default_rng((seed, STREAM, 1))
    rows = []
    for c in COUNTIES:
        eco = {"eco": 1.6, "agri": 1.0, "urban": 0.6}[c.category]
        area_hm2 = 1.2e5 * eco * (0.8 + 0.4 * rng.random())
        base = {
            "material_products": (area_hm2 * 9e3, "元"),
            "water_conservation": (area_hm2 * 3500.0, "m³"),
            "soil_retention": (area_hm2 * 180.0, "t"),
            "flood_regulation": (area_hm2 * 900.0, "m³"),
            "carbon_sequestration": (area_hm2 * 9.0, "t"),
            "oxygen_release": (area_hm2 * 9.0 * 32 / 44, "t"),
            "air_purification_so2": (area_hm2 * 0.09, "t"),
            "air_purification_nox": (area_hm2 * 0.006, "t"),
            "air_purification_dust": (area_hm2 * 20.0, "t"),
            "water_purification_cod": (area_hm2 * 0.05, "t"),
            "water_purification_nh3n": (area_hm2 * 0.005, "t"),
            "water_purification_tp": (area_hm2 * 0.001, "t"),
            "climate_regulation": (area_hm2 * 9.0e4, "kWh"),
            "recreation": (c.population * 1e4 * 4.0 * eco, "人次"),
            GDP: (c.population * 1e4 * 4.5e4 / eco, "元"),
        }
        trend = 1.0 + 0.03 * eco + float(rng.normal(0, 0.01))
        for k, year in enumerate(("2021", "2022", "2023", "2024", "2025")):
            for svc, (q, unit) in base.items():
                g = (1.06 if svc == GDP else trend) ** k * (1 + float(rng.normal(0, 0.02)))
                rows.append(
                    {
                        "unit_id": c.id,
                        "year": year,
                        "service": svc,
                        "quantity": round(q * g, 2),
                        "unit": unit,
                        "source": "示例数据（模拟） synthetic",
                    }
                )
    return rows


def demo_holder_count(s: Any) -> int:
    return len(list(s.scalars(select(EcoHolderRow.id).where(EcoHolderRow.id.like("demo-%")))))
