"""The anonymisation policy of warning-education cases (docs/cadres.md "Anonymisation").

* Every known person name (``acc_people``) and every person id becomes ``person`` (某某);
  longer names are replaced first, so "张某甲" never leaves "甲" behind; an ASCII id is
  replaced only as a whole word (person ``A`` leaves ``ABC`` and ``P-A1`` alone).
* Units: ``keep`` shows the unit's name; ``generic`` replaces every unit name and id with
  ``generic_unit`` (某县（区）) — the public list uses ``generic`` by default.
* Dates on the public list show the year only (``public_dates = "year"``).

Pure: the caller passes the names and units it knows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = ["anonymise_text", "date_text"]


def anonymise_text(
    text: str,
    people: Mapping[str, str | None],
    units: Mapping[str, str],
    *,
    person: str = "某某",
    units_mode: str = "keep",
    generic_unit: str = "某县（区）",
) -> str:
    """``people``: person id → name (None if erased); ``units``: unit id → name."""
    subs: dict[str, str] = {}
    for pid, name in people.items():
        subs[pid] = person
        if name:
            subs[name] = person
    for uid, name in units.items():
        if units_mode == "generic":
            subs[uid] = generic_unit
            subs[name] = generic_unit
        else:
            subs[uid] = name
    if not subs:
        return text
    keys = sorted(subs, key=len, reverse=True)
    # an ASCII id matches only as a whole word: person "A" must not eat the A of "ABC"
    pattern = re.compile("|".join(_word(k) if k.isascii() else re.escape(k) for k in keys))

    def rep(m: re.Match[str]) -> str:
        return subs[m.group(0)]

    out = pattern.sub(rep, text)
    return re.sub(f"({re.escape(person)})+", person, out)


def _word(key: str) -> str:
    return rf"(?<![A-Za-z0-9_\-]){re.escape(key)}(?![A-Za-z0-9_\-])"


def date_text(iso: str, mode: str) -> str:
    return iso[:4] + "年" if mode == "year" and len(iso) >= 4 else iso
