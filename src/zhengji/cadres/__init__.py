"""Cadre assessment (issue 9): person-level grades across posts and tenures (平时/年度/专项/任期,
《党政领导干部考核工作条例》2019), the use of results (lists, reviewer decisions in the ledger),
feedback sheets, and the warning-education case library.

Pure rules: ``config`` (settings), ``rules`` (share in post, role weights, credit, deduction,
exemption, caps, grade, quota, explanation), ``anonymise``; the adapter onto other domains:
``inputs``; services taking a ``Session``: ``evaluations``, ``service``, ``lists``, ``cases``;
``render`` (HTML/PDF). See ``docs/cadres.md``.
"""

from zhengji.cadres.ledgered import register as _register

__all__: list[str] = []

_register()
