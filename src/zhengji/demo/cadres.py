"""The demo world's cadres (示例数据（模拟）): tenure changes, evaluations, assessments, cases.

Builds on :mod:`zhengji.demo.accountability` (its people, tenures, projects, outcomes and the
fault-tolerance case) and on the county runs in the store; adds only what the cadre story
needs, deterministic by seed (own generator stream):

* a deputy for foundations and risk in every county (so ~60 cadres hold posts), and tenure
  changes: the head of government of :data:`ROTATE_COUNTY` is replaced in March 2024, and
  the deputy in charge of ecology of :data:`ECO_COUNTY` leaves at the end of 2024 to head the
  government of :data:`ECO_MOVE_COUNTY`;
* :data:`ECO_PROJECT`, a rocky-desertification restoration that deputy was responsible for;
  its good outcome matures in 2025, after they left — credited in their term result;
* the vanity project of the accountability demo (its debt surfaces in 2025, after the
  secretary moved on): their term result carries the deduction and the 形象工程 cap;
* the tea-plant case of the accountability demo, ruled exempt: shown as an exemption;
* evaluations (party/peer/mass) and annual batches for :data:`YEARS`, a term batch, the
  case library built and the vanity case put on the public list by a reviewer;
* then 平时考核 (routine) batches for the quarters of :data:`ROUTINE_YEAR` — stored after the
  batches above, so their ids (1–3) stay what they were.

Call after the county bundle is imported and run and the accountability demo is populated::

    from zhengji.demo.cadres import populate
    populate(store, seed)
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from zhengji.accountability import service as acc
from zhengji.accountability.model import Outcome, Project, Records, Responsibility, Tenure
from zhengji.demo.accountability import CHANGE_COUNTY, RECORDER, TOLERANCE_CASE, VANITY_PROJECT
from zhengji.demo.catalogue import COUNTIES

__all__ = [
    "AS_OF",
    "DEMO_CONFIG",
    "ECO_COUNTY",
    "ECO_MOVE_COUNTY",
    "ECO_OUTCOME",
    "ECO_PROJECT",
    "ECO_TENURE",
    "MOVER_TENURE",
    "ROTATE_COUNTY",
    "ROUTINE_YEAR",
    "YEARS",
    "CadreDemo",
    "extra_records",
    "populate",
]

STREAM = 29
#: Periods the demo scheme can assess (its 3-year change indicators need data from 2021).
YEARS = ("2024", "2025")
AS_OF = dt.date(2025, 12, 31)
#: The demo year whose quarters get a 平时考核 batch each (the latest of :data:`YEARS`).
ROUTINE_YEAR = YEARS[-1]
ECO_COUNTY = "jiangkou"
ECO_MOVE_COUNTY = "shiqian"
ECO_TENURE = f"T-{ECO_COUNTY}-dep3"
ECO_PROJECT = f"P-{ECO_COUNTY}-eco1"
ECO_OUTCOME = f"O-{ECO_COUNTY}-eco1"
ROTATE_COUNTY = "wanshan"
MOVER_TENURE = f"T-{CHANGE_COUNTY}-sec"
#: The demo's settings overlay (``cadres.toml``): the demo county scores sit lower on the
#: composite scale than the defaults assume, so the grade lines are set for it.
DEMO_CONFIG = """[grades]
excellent = 84.0
competent = 72.0
basic = 60.0

[lists]
commend_min_score = 84.0
reserve_min_score = 80.0
remind_below = 72.0
"""
_LEFT = dt.date(2024, 12, 31)
_ROTATED = dt.date(2024, 3, 31)


@dataclass(frozen=True)
class CadreDemo:
    cadres: int
    annual_batches: tuple[int, ...]
    term_batch: int
    cases: int
    disclosed: str
    mover: str
    eco_deputy: str
    exempted: str
    routine_batches: tuple[int, ...] = ()  # 平时考核, one per quarter of ROUTINE_YEAR


def _tenure(records: Records, code: str) -> Tenure:
    return next(t for t in records.tenures if t.code == code)


def extra_records(records: Records, new_people: list[str]) -> list[tuple[Any, str]]:
    """(record, correction reason) pairs added to the accountability demo's records."""
    from dataclasses import replace

    out: list[tuple[Any, str]] = []
    committee: dict[str, list[str]] = {}
    for t in records.tenures:
        committee.setdefault(t.unit_id, []).append(t.person_id)
    it = iter(new_people)
    for c in COUNTIES:  # a fourth deputy: foundations and risk
        sec = _tenure(records, f"T-{c.id}-sec")
        out.append((Tenure(f"T-{c.id}-dep4", next(it), c.id, "deputy", sec.start, None,
                           ("foundations", "risk")), ""))  # fmt: skip
    eco = _tenure(records, ECO_TENURE)
    old_gov = _tenure(records, f"T-{ECO_MOVE_COUNTY}-gov")
    out.append((replace(eco, end=_LEFT), "示例：调任石阡县政府主要负责人 transferred"))
    out.append((replace(old_gov, end=_LEFT), "示例：到龄退休 retired"))
    out.append((Tenure(f"T-{ECO_MOVE_COUNTY}-gov2", eco.person_id, ECO_MOVE_COUNTY,
                       "government_head", _LEFT + dt.timedelta(days=1)), ""))  # fmt: skip
    out.append((Tenure(f"T-{ECO_COUNTY}-dep3b", next(it), ECO_COUNTY, "deputy",
                       _LEFT + dt.timedelta(days=1), None, ("ecology",)), ""))  # fmt: skip
    rot = _tenure(records, f"T-{ROTATE_COUNTY}-gov")
    out.append((replace(rot, end=_ROTATED), "示例：交流任职 rotated out"))
    out.append((Tenure(f"T-{ROTATE_COUNTY}-gov2", next(it), ROTATE_COUNTY, "government_head",
                       _ROTATED + dt.timedelta(days=1)), ""))  # fmt: skip
    sec = _tenure(records, f"T-{ECO_COUNTY}-sec")
    out.append((Project(ECO_PROJECT, ECO_COUNTY, "江口县梵净山周边石漠化综合治理工程", None, 4800.0,
                        {"fiscal": 4800.0}, dt.date(2021, 4, 1), dt.date(2022, 10, 31),
                        "in_use", 120000.0, "治理石漠化面积"), ""))  # fmt: skip
    out.append((Responsibility(ECO_PROJECT, eco.person_id, "in_charge"), ""))
    out.append((Responsibility(ECO_PROJECT, sec.person_id, "principal"), ""))
    matured = "治理区植被覆盖率由31%提高到58%，水土流失显著减少（生态成效显现）"
    out.append((Outcome(ECO_OUTCOME, ECO_PROJECT, None, ECO_COUNTY, dt.date(2025, 6, 1), "good",
                        4.0, matured), ""))  # fmt: skip
    return out


def _evaluations_csv(people: list[str], seed: int) -> bytes:
    rng = np.random.default_rng((seed, STREAM))
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["person_id", "period", "source", "score", "raters"])
    for k, pid in enumerate(people):
        level = float(rng.normal(84.0, 5.0))
        if k % 23 == 7:
            level = 66.0  # a few whom party, peers and the public rate low (不担当/不作为 signs)
        for year in YEARS:
            for src, n in (("party", 11), ("peer", 35), ("mass", 120)):
                v = float(np.clip(level + rng.normal(0.0, 3.0), 40.0, 99.0))
                w.writerow([pid, year, src, f"{v:.1f}", n])
    return buf.getvalue().encode("utf-8")


def _ensure_runs(store: Any) -> None:
    """Record a county run for each of :data:`YEARS` that has none (the demo records only
    the latest period): the scheme of the latest county run over the stored panel."""
    from zhengji.engine.assess import assess
    from zhengji.scheme.load import parse_scheme
    from zhengji.store.ops import load_panel, record_run

    runs = [r for r in store.runs() if CHANGE_COUNTY in r.unit_ids]
    if not runs:
        raise RuntimeError(
            "先导入并考核县级示例数据 import and assess the county demo bundle first"
        )
    last = runs[-1]
    have = {r.period for r in runs}
    scheme = parse_scheme(last.scheme_toml)
    with store.transaction() as s:
        panel = load_panel(s, scheme, last.as_of_import_id, list(last.unit_ids))
        for year in YEARS:
            if year not in have and year in panel.periods:
                record_run(
                    s, assess(scheme, panel, year), last.input_fingerprint, last.as_of_import_id
                )


def populate(store: Any, seed: int = 20251, by: str = RECORDER) -> CadreDemo:
    """Add the cadre story to a store holding the county demo and the accountability demo."""
    from zhengji.cadres import cases, evaluations, service
    from zhengji.cadres.lists import lists_for

    _ensure_runs(store)
    with store.transaction() as s:
        records = acc.load_records(s)
        known = set(acc.person_names(s))
        new_people = [f"P{900 + k}" for k in range(13)]
        rng = np.random.default_rng((seed, STREAM, 1))
        surnames = "孔严华金魏陶姜戚谢邹喻柏水窦章云苏潘葛奚范彭郎"
        for k, pid in enumerate(new_people):
            if pid not in known:
                acc.add_person(s, pid, f"{surnames[int(rng.integers(0, len(surnames)))]}某{k + 1}")
        for rec, reason in extra_records(records, new_people):
            acc.record(s, rec, by=by, reason=reason, check=False)
        records = acc.load_records(s)
        holders = sorted({t.person_id for t in records.tenures})
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "evaluations.csv"
            path.write_bytes(_evaluations_csv(holders, seed))
            evaluations.import_evaluations(s, path, by)
    annual = []
    for year in YEARS:
        with store.transaction() as s:
            annual.append(
                service.assess(s, "annual", year, by, config_toml=DEMO_CONFIG, as_of=AS_OF)
            )
    with store.transaction() as s:
        term = service.assess(s, "term", "", by, config_toml=DEMO_CONFIG, as_of=AS_OF)
        _, entries = lists_for(s, annual[-1])
        top = next((e for e in entries if e["list"] == "commend"), None)
        if top is not None:
            from zhengji.cadres.lists import decide

            decide(
                s,
                top["person_id"],
                "commend",
                "accept",
                "示例：经部务会研究同意推荐表彰",
                "组织部（模拟）",
                annual[-1],
            )
        built = cases.build_library(s, by)
        vanity = next(c for c in built if c.source_ref == f"project:{VANITY_PROJECT}")
        cases.disclose(s, vanity.code, "disclose", "市纪委监委（模拟）", "示例：典型问题通报曝光")
        mover = _tenure(records, MOVER_TENURE).person_id
        eco = _tenure(records, ECO_TENURE).person_id
        case = next(c for c in records.cases if c.code == TOLERANCE_CASE)
    routine = []
    for q in range(1, 5):  # after every batch above: their ids stay
        with store.transaction() as s:
            label = f"{ROUTINE_YEAR}-Q{q}"
            routine.append(
                service.assess(s, "routine", label, by, config_toml=DEMO_CONFIG, as_of=AS_OF)
            )
    return CadreDemo(len(holders), tuple(annual), term, len(built), vanity.code, mover, eco,
                     case.person_id, tuple(routine))  # fmt: skip
