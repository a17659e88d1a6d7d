"""生态存折: a holder's printable statement (HTML, and PDF through WeasyPrint with CJK fonts).

The statement shows the holder (name, or that it was erased), the balance, tier and benefit,
points by dimension, and every entry with its state (counted, posted for objection, awaiting
sign-off, reversed, expired). Demo holders (ids starting ``demo-``) carry the synthetic label.
Dates print in Beijing time (``Asia/Shanghai``, UTC+8 all year), as the web pages show them:
an award made at 20:00 UTC is dated the next day in China. Like the rest of the page, the holder
kind and the item names print in Chinese and English ("农户 household", the rulebook's
``name_en``), so one printed statement serves both readers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhengji.eco.rulebook import Rulebook
from zhengji.eco.scoring import Balance, Posting, balances, status
from zhengji.eco.service import postings, utc
from zhengji.errors import DataError
from zhengji.store.schema_eco import EcoHolderNameRow, EcoHolderRow

__all__ = [
    "CHINA",
    "DEMO_PREFIX",
    "KIND_EN",
    "KIND_ZH",
    "STATE_ZH",
    "Statement",
    "beijing_day",
    "build_statement",
    "kind_label",
    "render_html",
    "render_pdf",
]

DEMO_PREFIX = "demo-"
#: China Standard Time (Asia/Shanghai): UTC+8, no daylight saving since 1991.
CHINA = dt.timezone(dt.timedelta(hours=8))
STATE_ZH = {
    "counted": "计入 counted",
    "posted": "公示中 posted",
    "unsigned": "待复核 awaiting sign-off",
    "objected": "异议中 under objection",
    "reversed": "已冲正 reversed",
    "expired": "已过期 expired",
    "future": "未生效 future",
    "reversal": "冲正 reversal",
}
KIND_ZH = {
    "household": "农户",
    "sole_trader": "个体工商户",
    "enterprise": "企业",
    "village": "村集体",
}
KIND_EN = {
    "household": "household",
    "sole_trader": "sole trader",
    "enterprise": "enterprise",
    "village": "village collective",
}


@dataclass(frozen=True)
class Statement:
    holder_id: str
    kind: str
    name: str | None
    erased: bool
    village_id: str
    township_id: str
    county_id: str
    as_of: dt.datetime
    balance: Balance
    lines: tuple[tuple[Posting, str], ...]
    synthetic: bool


def build_statement(
    session: Session, holder_id: str, rb: Rulebook, as_of: dt.datetime
) -> Statement:
    h = session.get(EcoHolderRow, holder_id)
    if h is None:
        raise DataError(f"没有账户持有人 no holder '{holder_id}'")
    nm = session.scalar(select(EcoHolderNameRow).where(EcoHolderNameRow.holder_id == holder_id))
    posts = postings(session, [holder_id])
    when = utc(as_of)
    bal = balances(posts, rb, when).get(holder_id)
    if bal is None:
        from zhengji.eco.rulebook import benefit_for

        bal = Balance(holder_id, 0, {}, 0, 0, benefit_for(0, rb))
    reversed_ids = {
        p.reverses_id
        for p in posts
        if p.kind == "reversal" and p.reverses_id and p.awarded_at <= when
    }
    # a statement as of T lists only what was entered by T: a later award or reversal must not
    # change a statement already issued for T
    lines = tuple((p, status(p, reversed_ids, when)) for p in posts if p.awarded_at <= when)
    return Statement(
        holder_id,
        h.kind,
        nm.name if nm else None,
        bool(nm and nm.erased_at),
        h.village_id,
        h.township_id,
        h.county_id,
        when,
        bal,
        lines,
        holder_id.startswith(DEMO_PREFIX),
    )


def beijing_day(t: dt.datetime) -> str:
    """The date of ``t`` in Beijing (a naive time is UTC, as the store keeps it)."""
    return f"{utc(t).astimezone(CHINA):%Y-%m-%d}"


def kind_label(kind: str) -> str:
    """The holder kind in both languages, 农户 household (an unknown kind as stored)."""
    zh, en = KIND_ZH.get(kind), KIND_EN.get(kind)
    return f"{zh} {en}" if zh and en else kind


def render_html(st: Statement, rb: Rulebook, synthetic: bool | None = None) -> str:
    """The statement as an HTML page (autoescaped Jinja2 template ``templates/statement.html``)."""
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    from zhengji.demo import SYNTHETIC_LABEL

    env = Environment(
        loader=PackageLoader("zhengji.eco", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
    )
    show = st.synthetic if synthetic is None else synthetic
    return env.get_template("statement.html").render(
        st=st,
        rb=rb,
        b=st.balance,
        kind=kind_label(st.kind),
        label=SYNTHETIC_LABEL if show else "",
        names={i.id: (i.name, i.name_en) for i in rb.items},
        states=STATE_ZH,
        day=beijing_day,
    )


def render_pdf(st: Statement, rb: Rulebook, *, compress: bool = True) -> bytes:
    from zhengji.report.pdf import html_to_pdf

    return html_to_pdf(render_html(st, rb), compress=compress)
