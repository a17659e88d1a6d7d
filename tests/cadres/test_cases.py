"""Warning-education case library on the demo: sources, tags, search, disclosure policy."""

from __future__ import annotations

import pytest

from zhengji.accountability.service import person_names
from zhengji.cadres import cases
from zhengji.cadres.config import parse_config
from zhengji.demo.accountability import CHANGE_COUNTY, LEADER_FIRST, TOLERANCE_CASE, VANITY_PROJECT
from zhengji.errors import DataError
from zhengji.store.schema import UnitRecord

from .conftest import BY, Demo

CFG = parse_config("")


def _views(demo: Demo, public: bool) -> list[dict[str, object]]:
    with demo.store.transaction() as s:
        units = {u.id: u.name for u in s.query(UnitRecord)}
        names = person_names(s)
        rows = cases.public_list(s) if public else cases.cases(s)
        return [cases.case_view(c, CFG, units, names, public) for c in rows]


def test_library_sources_and_tags(demo: Demo) -> None:
    with demo.store.transaction() as s:
        lib = {c.source_ref: c for c in cases.cases(s)}
        assert cases.build_library(s, BY) == []  # built once: nothing new
    assert lib[f"project:{VANITY_PROJECT}"].tags == ["形象工程", "击鼓传花"]
    assert all(lib[f"decision:{d}"].tags == ["一言堂"] for d in LEADER_FIRST)
    assert lib[f"case:{TOLERANCE_CASE}"].tags == ["容错免责"]


def test_stored_facts_hold_no_names(demo: Demo) -> None:
    with demo.store.transaction() as s:
        names = [n for n in person_names(s).values() if n]
        facts = " ".join(str(c.facts) for c in cases.cases(s))
    assert names and not any(n in facts for n in names)


def test_search_by_words_and_tag(demo: Demo) -> None:
    views = _views(demo, public=False)
    assert {v["code"] for v in cases.search(views, tag="一言堂")} == {
        v["code"] for v in views if "一言堂" in v["tags"]
    }
    hit = cases.search(views, "闲置 债务")
    assert len(hit) == 1 and "形象工程" in hit[0]["tags"]
    assert cases.search(views, "不存在的词") == []


def test_public_list_applies_the_public_policy(demo: Demo) -> None:
    internal = {v["code"]: v for v in _views(demo, public=False)}
    public = _views(demo, public=True)
    assert len(public) == 1
    v = public[0]
    assert "形象工程" in v["tags"]
    assert v["unit"] == "某县（区）" and internal[v["code"]]["unit"] == "德江县"
    assert v["when"] == "2025年"
    with demo.store.transaction() as s:
        unit_name = s.get(UnitRecord, CHANGE_COUNTY).name  # type: ignore[union-attr]
    assert unit_name not in str(v) and CHANGE_COUNTY not in str(v)


def test_exempted_case_is_never_disclosed(demo: Demo) -> None:
    with demo.store.transaction() as s:
        code = next(c.code for c in cases.cases(s) if "容错免责" in c.tags)
    with pytest.raises(DataError, match="容错免责"), demo.store.transaction() as s:
        cases.disclose(s, code, "disclose", "审核人", "理由")


def test_only_a_case_on_the_public_list_is_withdrawn(demo: Demo) -> None:
    """Withdrawing (撤回) a case nobody disclosed is refused by the core, for the CLI and the
    web alike, and nothing is recorded."""
    from zhengji.cadres import views

    with demo.store.transaction() as s:
        on_list = views.disclosed_codes(s)
        code = next(c.code for c in cases.cases(s) if c.code not in on_list)
        before = len(views.disclosure_history(s, code))
    with pytest.raises(DataError, match="不在曝光台上"), demo.store.transaction() as s:
        cases.disclose(s, code, "withdraw", "审核人", "理由")
    with demo.store.transaction() as s:
        assert len(views.disclosure_history(s, code)) == before == 0
        assert views.disclosed_codes(s) == on_list
