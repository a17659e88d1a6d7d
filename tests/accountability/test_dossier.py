"""Handover dossier: content, HTML and a PDF with the CJK font embedded, its hash in the ledger."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import select

from zhengji.accountability import service
from zhengji.accountability.dossier import PendingFinding, assemble, handover, render_html
from zhengji.accountability.model import Audit, Milestone, Records
from zhengji.demo import SYNTHETIC_LABEL
from zhengji.demo.accountability import CHANGE_COUNTY, VANITY_PROJECT
from zhengji.ledger.log import verify_record
from zhengji.store import Store
from zhengji.store.schema_accountability import DossierRow

from . import pdfread
from .samples import RESPONSIBLE, decision, outcome, project, tenure

D = dt.date


def _records() -> Records:
    return Records(
        tenures=(
            tenure("T1", "p1", D(2019, 1, 1), D(2023, 6, 30)),
            tenure("T2", "p5", D(2023, 7, 10), None),
        ),
        decisions=(
            decision(status="open", speakers=("p1", "p2", "p3", "p4")),
            decision(code="D2", held_on=D(2024, 1, 1)),  # after the handover: left out
        ),
        projects=(
            project(status="building"),
            project("P2", status="abandoned", funding={"debt": 99.0}),
        ),
        responsibilities=RESPONSIBLE,
        milestones=(Milestone("P1", "完工", D(2023, 3, 31)),),
        outcomes=(outcome("O1", "bad", 2.0, 2023, utilisation=0.1),),
        audits=(Audit("A1", "u1", D(2023, 7, 5), "departure", "审计局", "issues", "举债过高"),),
    )


def test_handover_finds_outgoing_and_successor() -> None:
    out, inc = handover(_records().tenures, "u1", "party_secretary")
    assert (out.code, inc.code if inc else None) == ("T1", "T2")


def test_assemble_lists_what_the_successor_inherits() -> None:
    r = _records()
    out, inc = handover(r.tenures, "u1", "party_secretary")
    names = {"p1": "甲书记", "p3": None}
    finding = PendingFinding(7, "gdp_growth", ("2023",), "proxy_persistent", "open", "GDP偏高")
    c = assemble(
        r, unit_id="u1", unit_name="德江县", post="party_secretary", outgoing=out,
        incoming=inc, names=names, findings=[finding],
    )  # fmt: skip
    assert c["as_of"] == "2023-07-10"
    assert [d["code"] for d in c["decisions"]] == ["D1"]
    assert "末位表态" in c["decisions"][0]["problems"][0]
    (p,) = c["projects"]
    assert p["code"] == "P1" and p["overdue"] == ["完工（应于2023-03-31完成）"]
    assert "甲书记（p1）" in p["responsible"][0] and "erased" in p["responsible"][1]
    assert c["liabilities"]["debt_total"] == 6000.0  # the abandoned project is not a liability
    assert c["vanity"] and c["vanity"][0]["code"] == "P1"
    assert c["findings"][0]["id"] == 7 and c["audits"][0]["code"] == "A1"
    assert c["complaints"] == [] and "none recorded" in c["complaints_note"]
    html = render_html(c, SYNTHETIC_LABEL)
    for section in ("离任交接清单", "未完成的重大决策", "债务与负债", "待核实的数据真实性疑点",
                    "审计结果", "群众诉求积压", "暂无记录"):  # fmt: skip
        assert section in html
    assert SYNTHETIC_LABEL not in html  # only synthetic dossiers carry the label


def test_demo_dossier_pdf_embeds_cjk_font_and_names_the_county(
    demo_store: tuple[Store, Path],
) -> None:
    st, _ = demo_store
    with st.transaction() as s:
        row = s.scalars(select(DossierRow)).one()
        assert row.unit_id == CHANGE_COUNTY
        assert verify_record(s, row.ledger_index, service.dossier_payload(row))
        assert row.pdf_sha256 == hashlib.sha256(row.pdf).hexdigest()
        assert row.html_sha256 == hashlib.sha256(row.html.encode("utf-8")).hexdigest()
        pdf, html, content = bytes(row.pdf), row.html, row.content
    assert pdf.startswith(b"%PDF-")
    cjk = [f for f in pdfread.fonts(pdf) if "CJK" in f.base_font]
    assert cjk and all(f.embedded for f in cjk)
    assert any(f.base_font.endswith("+Noto-Sans-CJK-SC") for f in cjk)
    text = pdfread.text(pdf)
    assert "德江县" in text and "离任交接清单" in text and "形象工程" in text
    assert "示例数据（模拟）" in text
    assert "德江县" in html and content["unit_name"] == "德江县"
    assert VANITY_PROJECT in {v["code"] for v in content["vanity"]}


def test_dossier_through_the_service_on_both_databases(store: Store) -> None:
    with store.transaction() as s:
        for rec in _records().tenures + _records().decisions[:1]:
            service.record(s, rec, by="录入员")
        res = service.generate_dossier(s, "u1", "party_secretary", "组织部")
    with store.transaction() as s:
        row = s.get(DossierRow, res.id)
        assert row is not None and row.outgoing_tenure == "T1" and row.incoming_tenure == "T2"
        assert verify_record(s, res.ledger_index, service.dossier_payload(row))
        assert bytes(row.pdf) == res.pdf


@dataclass(frozen=True)
class _Finding:
    unit_id: str
    indicator_id: str
    periods: tuple[str, ...]
    check: str
    statistic: float
    p_value: float
    q_value: float
    severity: str
    evidence: dict[str, float]
    summary_zh: str
    summary_en: str


def test_pending_integrity_findings_come_from_the_store(demo_store: tuple[Store, Path]) -> None:
    from zhengji.bundle import load_bundle
    from zhengji.store.findings import act_on_finding, record_screen

    st, world = demo_store
    scheme = load_bundle(world).scheme
    f = _Finding(
        CHANGE_COUNTY, "gdp_growth", ("2024",), "proxy_persistent", 3.1, 0.001, 0.01, "high",
        {"residual": 3.0}, "上报增速高于用电、货运所能解释", "reported growth above proxies",
    )  # fmt: skip
    other = replace(f, unit_id="sinan")
    with st.transaction() as s:
        record_screen(s, scheme, [f, f, other], None)
        ids = [x.id for x in service.list_findings_for(s, CHANGE_COUNTY)]
        act_on_finding(s, scheme, ids[1], "dismiss", "统计局", "核实无误")
        res = service.generate_dossier(s, CHANGE_COUNTY, "party_secretary", "组织部")
    assert [x["id"] for x in res.content["findings"]] == ids[:1]  # dismissed one left out
    assert "上报增速高于用电" in res.html
