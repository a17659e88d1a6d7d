"""生态存折: the PDF embeds a CJK font and shows the balance; demo holders are labelled."""

from __future__ import annotations

import datetime as dt

from accountability import pdfread  # tests/accountability/pdfread.py (tests/ is on sys.path)
from zhengji.demo import SYNTHETIC_LABEL
from zhengji.eco import service as sv
from zhengji.eco.statement import build_statement, render_html, render_pdf

from .conftest import T0, World, award_input


def test_statement_pdf(world: World) -> None:
    with world.store.transaction() as s:
        sv.award_many(
            s, world.rb_pk, world.rb, [award_input(), award_input(item="fruit_trees")], "t"
        )
        st = build_statement(s, "H1", world.rb, T0 + dt.timedelta(days=30))
    assert st.balance.points == 15 and not st.synthetic
    pdf = render_pdf(st, world.rb)
    assert pdf.startswith(b"%PDF")
    cjk = [f for f in pdfread.fonts(pdf) if "CJK" in f.base_font]
    assert cjk and all(f.embedded for f in cjk)
    body = pdfread.text(pdf).replace(" ", "")
    assert "生态存折" in body and "H1" in body and "张某甲户" in body
    assert SYNTHETIC_LABEL.replace(" ", "") not in body


def test_demo_label_and_erased_name(world: World) -> None:
    with world.store.transaction() as s:
        sv.add_holder(s, "demo-x", "enterprise", "v", "t", "c", name="示例企业")
        sv.erase_holder(s, "H1", "管理员", "本人申请")
        demo = build_statement(s, "demo-x", world.rb, T0)
        erased = build_statement(s, "H1", world.rb, T0)
    assert SYNTHETIC_LABEL in render_html(demo, world.rb)
    page = render_html(erased, world.rb)
    assert "张某甲户" not in page and "erased" in page


def test_dates_print_in_beijing_time(world: World) -> None:
    """20:00 UTC on 1 March is 04:00 on 2 March in Beijing (UTC+8, Asia/Shanghai): the
    statement dates the award, its validity and the as-of day as the web page does."""
    late = dt.datetime(2025, 3, 1, 20, 0, tzinfo=dt.UTC)
    as_of = dt.datetime(2026, 1, 1, 1, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    with world.store.transaction() as s:
        sv.award(s, world.rb_pk, world.rb, award_input(at=late), "t")
        st = build_statement(s, "H1", world.rb, as_of)  # 2025-12-31 17:00 UTC
    page = render_html(st, world.rb)
    assert "2025-03-02" in page and "2030-03-02" in page and "2026-01-01" in page
    assert "2025-03-01" not in page and "2030-03-01" not in page and "2025-12-31" not in page
    body = pdfread.text(render_pdf(st, world.rb)).replace(" ", "")
    assert "2025-03-02" in body and "2026-01-01" in body and "2025-03-01" not in body


def test_kind_and_item_names_in_both_languages(world: World) -> None:
    """The page is bilingual, so the holder kind and item names are too: 农户 household, the
    rulebook's name and name_en; the PDF keeps both (fonts embedded)."""
    with world.store.transaction() as s:
        sv.award_many(
            s, world.rb_pk, world.rb, [award_input(), award_input(item="fruit_trees")], "t"
        )
        sv.add_holder(s, "V1", "village", "v1", "t1", "jiangkou", name="某村集体")
        st = build_statement(s, "H1", world.rb, T0 + dt.timedelta(days=30))
        village = build_statement(s, "V1", world.rb, T0)
    page = render_html(st, world.rb)
    assert "农户 household" in page and "村集体 village collective" in render_html(
        village, world.rb
    )
    for item in ("stove_electric", "fruit_trees"):
        it = world.rb.item(item)
        assert it.name_en and f'{it.name} <span class="en">{it.name_en}</span>' in page
    body = pdfread.text(render_pdf(st, world.rb)).replace(" ", "")
    assert "农户household" in body
    assert "Woodstovereplacedbyelectric" in body and "Fruittreesplanted" in body
