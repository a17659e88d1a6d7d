"""Lifetime accountability (issue 3): tenures, 三重一大 decisions, projects and responsibility
lists, outcomes and audits, handover dossiers, fault-tolerance cases — every record committed
to the ledger in the transaction that stores it.

Pure rules live in ``checks`` (tenures, decisions, vanity projects), ``tolerance`` (the three
distinctions), ``attribution`` (who answers for what; the derived indicators) and ``dossier``
(assembly); ``service`` and ``importer`` take a SQLAlchemy ``Session``. See
``docs/accountability.md``.
"""

from zhengji.accountability.ledgered import register as _register

__all__: list[str] = []  # import the modules: checks, service, importer, dossier …

_register()
