"""Access rules of the cadres pages (merged into the table of ``tests/web/test_access.py``).

组织部 (``org``), the office (``admin``) and inspectors read every cadre's record, the lists and
the case library; only ``org`` and ``admin`` record decisions and put a case on the public list
or take it off (曝光/撤回). The cadre ``cadre_p064`` reads only their own record: ``path`` is
their own (P064), ``foreign`` another person's (P001); ``tests/web/test_cadre_pages.py`` checks
that the cadre gets 403 on the foreign one. The public disclosure list (曝光台) needs no session
(a signed-in user also sees their navigation there).
"""

from __future__ import annotations

from tests.web.access_roles import ADMIN, CADRE, ORG, PUBLIC, Case
from tests.web.conftest import World

__all__ = ["CADRE_READERS", "DECIDERS", "cadre_cases"]

CADRE_READERS = ORG | ADMIN | {"inspector"}
DECIDERS = ORG | ADMIN
OWN = "/cadres/people/P064"
OTHER = "/cadres/people/P001"
# a decision about someone on no list: refused by the core (422), so the access test
# changes nothing in the shared world
NOT_ON_A_LIST = {"person_id": "NOBODY", "list_kind": "commend", "decision": "accept", "reason": "x"}
# disclosing a case that does not exist: 404 from the core, nothing recorded
NO_SUCH_CASE = {"action": "disclose", "reason": "x"}


def cadre_cases(w: World) -> dict[tuple[str, str], Case]:
    """Every route of ``zhengji.web.routes.cadres``: path, roles admitted, out-of-scope twin."""
    person = CADRE_READERS | CADRE
    return {
        ("GET", "/cadres"): Case("/cadres", CADRE_READERS),
        ("GET", "/cadres.json"): Case("/cadres.json?kind=annual", CADRE_READERS),
        ("GET", "/cadres/me"): Case("/cadres/me", CADRE),
        ("GET", "/cadres/me.json"): Case("/cadres/me.json", CADRE),
        ("GET", "/cadres/people/{person_id}"): Case(OWN, person, foreign=OTHER),
        ("GET", "/cadres/people/{person_id}.json"): Case(
            OWN + ".json", person, foreign=OTHER + ".json"
        ),
        ("GET", "/cadres/people/{person_id}/feedback.pdf"): Case(
            OWN + "/feedback.pdf", person, foreign=OTHER + "/feedback.pdf"
        ),
        ("GET", "/cadres/lists"): Case("/cadres/lists", CADRE_READERS),
        ("GET", "/cadres/lists.json"): Case("/cadres/lists.json", CADRE_READERS),
        ("POST", "/cadres/decisions"): Case("/cadres/decisions", DECIDERS, NOT_ON_A_LIST),
        ("GET", "/cases"): Case("/cases", CADRE_READERS),
        ("GET", "/cases.json"): Case("/cases.json?tag=一言堂", CADRE_READERS),
        ("GET", "/cases/digest"): Case("/cases/digest", CADRE_READERS),
        ("GET", "/cases/digest.json"): Case("/cases/digest.json", CADRE_READERS),
        ("GET", "/cases/digest.pdf"): Case("/cases/digest.pdf?tag=形象工程", CADRE_READERS),
        ("GET", "/cases/{code}"): Case("/cases/JS-0001", CADRE_READERS),
        ("GET", "/cases/{code}.json"): Case("/cases/JS-0001.json", CADRE_READERS),
        ("POST", "/cases/{code}/disclosure"): Case(
            "/cases/JS-9999/disclosure", DECIDERS, NO_SUCH_CASE
        ),
        ("GET", "/disclosures"): Case("/disclosures", PUBLIC),
        ("GET", "/disclosures.json"): Case("/disclosures.json", PUBLIC),
    }
