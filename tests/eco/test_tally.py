"""The grouped tally equals the per-entry scorer: balances (``service.holder_balances``) and
unit figures (``indicators.account_rows`` and holders by tier), exactly, on the demo world and
on the edges: reversals, expiry and the objection window at the as-of instant, dimension and
total caps, points of several years valid at once (over an item's yearly cap), and sign-offs,
objections and rulings recorded after the as-of instant (which must not change it)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import replace

from sqlalchemy.orm import Session

from zhengji.demo.eco import populate
from zhengji.eco import service as sv
from zhengji.eco.indicators import account_rows
from zhengji.eco.rulebook import Rulebook, parse_rulebook
from zhengji.eco.scoring import Posting, status
from zhengji.eco.tally import Tally, latest_award, tally, unit_figures
from zhengji.store import Store

from .conftest import T0, World, award_input

US = dt.timedelta(microseconds=1)
DAY = dt.timedelta(days=1)
CHINA = dt.timezone(dt.timedelta(hours=8))


def _same(s: Session, rb: Rulebook, when: dt.datetime) -> Tally:
    """Assert the tally at ``when`` equals the reference functions; return it."""
    ref = {h: replace(b, counted_ids=()) for h, b in sv.holder_balances(s, rb, when).items()}
    t = tally(s, rb, when)
    assert t.balances() == ref, when
    chains = sv.holder_units(s)
    obs = {(r.unit_id, r.indicator_id): r.value for r in account_rows(chains, ref, rb, "p")}
    figs = unit_figures(chains, t)
    assert {u for u, _ in obs} == set(figs)
    for u, f in figs.items():
        assert f.participation == obs[u, "eco_participation"]  # exactly: same arithmetic
        assert f.mean_score == obs[u, "eco_mean_score"]
        for d in rb.dimensions:
            assert f.by_dimension[d.id] == obs[u, f"eco_points_{d.id}"]
        members = [h for h, c in chains.items() if u in c]
        assert f.holders == len(members)
        assert f.tiers == dict(Counter(ref[h].tier if h in ref else 0 for h in members))
    return t


def test_edges_at_the_as_of_instant(world: World) -> None:
    """Each boundary is checked at the instant and one microsecond before."""
    rb = world.rb
    t24 = T0 - dt.timedelta(days=365)
    with world.store.transaction() as s:
        sv.add_holder(s, "H3", "household", "v2", "t1", "jiangkou", None, None, "无积分户")
        ids = sv.award_many(
            s,
            world.rb_pk,
            rb,
            [
                award_input(),  # stove_electric, 5 points, valid 5 years
                award_input(item="fruit_trees"),  # reversed below
                award_input(item="waste_sorting"),  # valid 1 year
                award_input("H2", "waste_sorting", signed_by=None),  # never signed
                award_input("H2", "no_burning"),  # objection left open
            ]
            # 12 × 4 points in each of two years, both valid in 2025: over the item's yearly
            # cap (48) and, with the rest, over the dimension cap (100)
            + [award_input(item="courtyard_green", period="2024", at=t24)] * 12
            + [award_input(item="courtyard_green")] * 12,
            "t",
        )
        rev_at = T0 + 3 * DAY
        oid = sv.object_to(s, ids[1], "村民", "没有种树", T0 + DAY)
        sv.rule_on(s, oid, True, "r1", "核实无果树", rev_at)
        sv.object_to(s, ids[4], "村民", "存疑", T0 + DAY)
        window = T0 + 7 * DAY
        year = T0.replace(year=2026)
        edges = [T0, window, rev_at, year, t24.replace(year=2026), T0.replace(year=2030)]
        for when in [w for e in edges for w in (e - US, e)] + [T0 + 30 * DAY]:
            _same(s, rb, when)
        before, at = tally(s, rb, window - US).get("H1"), tally(s, rb, window).get("H1")
        capped = tally(s, rb, T0 + 30 * DAY)
    assert before is not None and at is not None
    assert before.pending > 0 and at.pending == 0 and at.points > before.points
    h1 = capped.get("H1")
    assert h1 is not None and h1.by_dimension["eco_living"] == 100  # 96 + 5 + 2 capped
    assert capped.get("H3") is None  # no awards: no balance, counted as 0 in the units


def test_total_cap(world: World) -> None:
    """A rulebook whose total cap (60) is below one dimension's valid points (96)."""
    text = world.rb.toml.replace("total_cap = 500", "total_cap = 60")
    text = text[: text.index("[[benefits]]")] + (
        "[[benefits]]\nmin_points = 50\ncredit_limit = 30000\nrate = 5.35\n"
    )
    rb = parse_rulebook(text, "small-cap.toml")
    t24 = T0 - dt.timedelta(days=365)
    with world.store.transaction() as s:
        pk = sv.install_rulebook(s, rb)
        sv.award_many(
            s,
            pk,
            rb,
            [award_input("H2", "courtyard_green", period="2024", at=t24)] * 12
            + [award_input("H2", "courtyard_green")] * 12,
            "t",
        )
        t = _same(s, rb, T0 + 30 * DAY)
    h2 = t.get("H2")
    assert h2 is not None and h2.by_dimension == {"eco_living": 96}
    assert (h2.points, h2.tier, h2.benefit.credit_limit) == (60, 1, 30000)


def test_demo_world(eco_url: str) -> None:
    """The demo (2 holders a village): mid-year, the year-end in Beijing, a year later."""
    store = Store.open(eco_url)
    try:
        populate(store, 20251, holders_per_village=2)
        with store.transaction() as s:
            _, rb = sv.current_rulebook(s)
            for when in (
                dt.datetime(2025, 6, 30, 12, tzinfo=CHINA),
                dt.datetime(2025, 12, 31, 23, 59, 59, tzinfo=CHINA),
                dt.datetime(2026, 11, 29, tzinfo=CHINA),
            ):
                t = _same(s, rb, when)
                assert len(t.holders) > 200  # of 400: not every holder earns points
            latest = latest_award(s, dt.datetime(2026, 11, 29, tzinfo=dt.UTC))
            early = latest_award(s, dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    finally:
        store.close()
    assert latest is not None and latest.astimezone(CHINA).year == 2025 and early is None
    assert t.live() < t.expired.sum()  # a year on, most of the 1-year points have expired


def test_late_records_do_not_change_earlier_figures(world: World) -> None:
    """A figure as of T1 depends only on what was recorded by T1: a sign-off given after T1, an
    objection ruled on after T1 and one raised after T1 leave T1 as it was; at T2 they count."""
    rb = world.rb
    t1, t2 = T0 + 10 * DAY, T0 + 20 * DAY  # the objection window (7 days) closed before T1
    late = T0 + 15 * DAY
    with world.store.transaction() as s:
        signed_late, ruled_late, upheld_late = sv.award_many(
            s,
            world.rb_pk,
            rb,
            [
                award_input(signed_by=None),  # stove_electric, 5 points: signed off at `late`
                award_input(item="fruit_trees"),  # objection rejected at `late`
                award_input("H2", "no_burning"),  # objection upheld at `late`
            ],
            "t",
        )
        # awarded at T1 - 2 days: its window is open at T1; an objection raised after T1
        raised_late = sv.award(s, world.rb_pk, rb, award_input("H2", at=t1 - 2 * DAY), "t")
        o1 = sv.object_to(s, ruled_late, "村民", "存疑", T0 + DAY)
        o2 = sv.object_to(s, upheld_late, "村民", "存疑", T0 + DAY)
        t1_before = {
            h: replace(b, counted_ids=()) for h, b in sv.holder_balances(s, rb, t1).items()
        }
        sv.sign_off(s, signed_late, "r1", late)
        sv.rule_on(s, o1, False, "r1", "核实属实", late)
        sv.rule_on(s, o2, True, "r1", "核实不符", late)
        sv.object_to(s, raised_late, "村民", "存疑", t1 + DAY)
        edges = [t1, late, t1 + DAY, t2]
        for when in [w for e in edges for w in (e - US, e)]:
            _same(s, rb, when)
        at1, at2 = tally(s, rb, t1), tally(s, rb, t2)
        posts = {p.id: p for p in sv.postings(s)}
    assert at1.balances() == t1_before  # recorded later: the figure as of T1 is unchanged
    states = {
        eid: (_state(posts, eid, t1), _state(posts, eid, t2))
        for eid in (signed_late, ruled_late, upheld_late, raised_late)
    }
    assert states == {
        signed_late: ("unsigned", "counted"),
        ruled_late: ("objected", "counted"),
        upheld_late: ("objected", "reversed"),
        raised_late: ("posted", "objected"),  # the objection was not yet raised at T1
    }
    h1_1, h1_2, h2_1, h2_2 = at1.get("H1"), at2.get("H1"), at1.get("H2"), at2.get("H2")
    assert h1_1 is not None and h1_2 is not None and h2_1 is not None and h2_2 is not None
    assert (h1_1.points, h1_1.pending) == (0, 5 + 10)
    assert (h1_2.points, h1_2.pending) == (5 + 10, 0)
    assert (h2_1.points, h2_1.pending) == (0, 5 + 5)  # no_burning objected, stove posted
    assert (h2_2.points, h2_2.pending) == (0, 5)  # no_burning reversed, stove under objection


def _state(posts: dict[int, Posting], entry_id: int, when: dt.datetime) -> str:
    """The state of an award at ``when``, with the reversals made by then (as ``balances``)."""
    rev = {
        p.reverses_id
        for p in posts.values()
        if p.kind == "reversal" and p.reverses_id and p.awarded_at <= when
    }
    return status(posts[entry_id], {r for r in rev if r is not None}, when)
