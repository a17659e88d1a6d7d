"""The anonymisation policy (docs/cadres.md "Anonymisation"), case by case."""

from __future__ import annotations

from zhengji.cadres.anonymise import anonymise_text, date_text

PEOPLE = {"P001": "张某甲", "P002": "张某", "P003": None}
UNITS = {"dejiang": "德江县"}


def test_names_and_ids_become_mouomou_longest_first() -> None:
    s = anonymise_text("张某甲与张某（P002）及P003在德江县", PEOPLE, UNITS)
    assert s == "某某与某某（某某）及某某在德江县"


def test_units_generic_replaces_name_and_id() -> None:
    s = anonymise_text("dejiang 德江县广场", PEOPLE, UNITS, units_mode="generic")
    assert s == "某县（区） 某县（区）广场"
    assert anonymise_text("dejiang", PEOPLE, UNITS, units_mode="keep") == "德江县"


def test_erased_name_cannot_be_matched_but_its_id_is() -> None:
    assert anonymise_text("P003 说", PEOPLE, {}) == "某某 说"


def test_public_dates_show_the_year_only() -> None:
    assert date_text("2025-09-01", "year") == "2025年"
    assert date_text("2025-09-01", "full") == "2025-09-01"


def test_ascii_ids_are_replaced_as_whole_words_only() -> None:
    people = {"A": "王某一"}
    assert anonymise_text("A 与 ABC、P-A、A1 及王某一", people, {}) == "某某 与 ABC、P-A、A1 及某某"
