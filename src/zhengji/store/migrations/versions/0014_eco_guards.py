"""Eco guards without holes (issue 8 review): the database refuses, whoever connects and
whatever ``PRAGMA foreign_keys`` says, an entry whose scoring year is not four digits, an entry
for an item, holder or inspector that does not exist, a sign-off by someone not in
``eco_people`` or of no existing award, an objection to anything but an existing award, and a
ruling on no existing objection, by someone not in ``eco_people``, dated before its objection or
pointing at a reversal of another entry (one ruling per objection: ``objection_id`` is UNIQUE).

Why: 0008's guards compare with sub-selects, and a comparison with a missing row is NULL, so
it passed: with foreign keys off (the ``sqlite3`` shell's default) an award of 400 points for a
made-up item was accepted. And caps are counted per exact ``period`` text, so ``2025年`` or
``'2025 '`` had caps of their own. The checks here run first, before 0008's, in the same
triggers (SQLite) and trigger functions (PostgreSQL); they are triggers rather than CHECK
constraints, so rows already stored are not re-checked and a database holding bad rows still
upgrades (the upgrade logs how many entries have a bad period; ``zhengji ledger verify``
reports rows that bypassed the ledger). Objections and rulings had no guard in 0008: theirs are
new triggers (functions). Downgrade drops those and restores 0008's guards exactly.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29
"""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path
from types import ModuleType

from alembic import op
from sqlalchemy import text

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | None = None
depends_on: str | None = None

Guard = tuple[str, str | None, str, str]
"""(table, entry kind it applies to or None for every row, condition refused, message)."""

#: A scoring year is exactly four ASCII digits (no 年, FY, spaces or full-width digits).
FOUR_DIGITS = {
    "sqlite": "typeof(NEW.period) = 'text' AND NEW.period GLOB '[0-9][0-9][0-9][0-9]'",
    "postgresql": "NEW.period ~ '^[0-9]{4}$'",
}

_ITEM_ROW = (
    "eco_rule_items i JOIN eco_rulebooks b ON b.id = i.rulebook_pk "
    "JOIN eco_rule_dimensions d ON d.rulebook_pk = i.rulebook_pk "
    "AND d.dimension_id = i.dimension_id "
    "WHERE i.rulebook_pk = NEW.rulebook_pk AND i.item_id = NEW.item_id"
)

#: Checked before 0008's guards: once these pass, none of 0008's sub-selects is NULL.
FIRST: tuple[Guard, ...] = (
    ("eco_entries", None,
     "NOT EXISTS (SELECT 1 FROM eco_holders WHERE id = NEW.holder_id)",
     "没有此账户持有人 unknown holder (no eco_holders row)"),
    ("eco_entries", None,
     f"NOT EXISTS (SELECT 1 FROM {_ITEM_ROW})",
     "细则中没有此项目 unknown rulebook item (no eco_rule_items row with its dimension "
     "and rulebook)"),
    ("eco_entries", None,
     "NOT EXISTS (SELECT 1 FROM eco_people WHERE id = NEW.inspector_id)",
     "核查人不在人员名册 the inspector is not in eco_people"),
    ("eco_entries", "award",
     "NOT EXISTS (SELECT 1 FROM eco_accounts WHERE id = NEW.debit_account "
     "AND kind = 'programme')",
     "积分只能由发放项目账户记出 an award must debit a programme account "
     "(points are not transferable)"),
    ("eco_entries", "reversal",
     "NOT EXISTS (SELECT 1 FROM eco_entries o WHERE o.id = NEW.reverses_id "
     "AND o.rulebook_pk = NEW.rulebook_pk)",
     "冲正须与原分录金额相同、方向相反 a reversal must mirror the award it reverses"),
    ("eco_signoffs", None,
     "NOT EXISTS (SELECT 1 FROM eco_people WHERE id = NEW.person_id)",
     "复核人不在人员名册 the sign-off person is not in eco_people"),
    ("eco_signoffs", None,
     "NOT EXISTS (SELECT 1 FROM eco_entries e JOIN eco_holders h ON h.id = e.holder_id "
     "WHERE e.id = NEW.entry_id AND e.kind = 'award')",
     "只能复核已有的记分分录 a sign-off must be of an existing award"),
)  # fmt: skip

#: The ruling's time is not before its objection's (SQLite compares instants, not text: a row
#: written by the shell may spell its time ``2025-03-01T10:00:00+00:00``).
NOT_BEFORE = {
    "sqlite": "julianday(o.raised_at) <= julianday(NEW.ruled_at)",
    "postgresql": "o.raised_at <= NEW.ruled_at",
}


def objection_guards(dialect: str) -> tuple[Guard, ...]:
    """Objections and rulings: 0008 left them to foreign keys, which the shell turns off."""
    return (
        ("eco_objections", None,
         "NOT EXISTS (SELECT 1 FROM eco_entries WHERE id = NEW.entry_id AND kind = 'award')",
         "只能对已有的记分分录提出异议 an objection must be to an existing award "
         "(not to a reversal)"),
        ("eco_objection_rulings", None,
         "NOT EXISTS (SELECT 1 FROM eco_objections WHERE id = NEW.objection_id)",
         "没有此异议 a ruling must be on an existing objection"),
        ("eco_objection_rulings", None,
         "NOT EXISTS (SELECT 1 FROM eco_people WHERE id = NEW.person_id)",
         "裁决人不在人员名册 the ruling person is not in eco_people"),
        ("eco_objection_rulings", None,
         "NOT EXISTS (SELECT 1 FROM eco_objections o WHERE o.id = NEW.objection_id "
         f"AND {NOT_BEFORE[dialect]})",
         "裁决时间不得早于异议时间 a ruling cannot be dated before its objection"),
        ("eco_objection_rulings", None,
         "NEW.reversal_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM eco_entries r "
         "JOIN eco_objections o ON o.entry_id = r.reverses_id WHERE r.id = NEW.reversal_id "
         "AND r.kind = 'reversal' AND o.id = NEW.objection_id)",
         "裁决所指冲正须冲正被异议的分录 the reversal of a ruling must reverse the award "
         "objected to"),
    )  # fmt: skip


_PERIOD_MSG = "考核年度须为四位数字 the period must be a year of four digits, such as 2025"
_TABLES = {
    "eco_entries": ("award", "reversal"),
    "eco_signoffs": (None,),
    "eco_objections": (None,),
    "eco_objection_rulings": (None,),
}
_NEW_TABLES = ("eco_objections", "eco_objection_rulings")


def _v8() -> ModuleType:
    """Migration 0008, whose guards these extend (and downgrade restores)."""
    path = Path(__file__).with_name("0008_eco.py")
    spec = importlib.util.spec_from_file_location("zhengji_migration_0008_eco", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def guards(dialect: str, v8: ModuleType) -> tuple[Guard, ...]:
    """Every guard in the order checked: the period, existence, then 0008's."""
    period: Guard = ("eco_entries", None, f"NOT ({FOUR_DIGITS[dialect]})", _PERIOD_MSG)
    return (period, *FIRST, *objection_guards(dialect), *v8.GUARDS)


def _create(rules: tuple[Guard, ...], dialect: str) -> None:
    """0008's trigger and function names, so either migration's drop removes them."""
    for table, kinds in _TABLES.items():
        mine = [g for g in rules if g[0] == table]
        if dialect == "sqlite":
            for kind in kinds:
                body = " ".join(
                    f"SELECT RAISE(ABORT, '{msg}') WHERE {cond};"
                    for _, only, cond, msg in mine
                    if only is None or only == kind
                )
                when = f"WHEN NEW.kind = '{kind}' " if kind else ""
                name = f"{table}_guard_{kind or 'all'}"
                op.execute(f"CREATE TRIGGER {name} BEFORE INSERT ON {table} {when}BEGIN {body} END")
        elif dialect == "postgresql":
            checks = []
            for _, only, cond, msg in mine:
                guard = f"NEW.kind = '{only}' AND " if only else ""
                checks.append(f"IF {guard}({cond}) THEN RAISE EXCEPTION '{msg}'; END IF;")
            lock = (
                "PERFORM 1 FROM eco_accounts WHERE holder_id = NEW.holder_id FOR UPDATE; "
                if table == "eco_entries"
                else ""
            )
            op.execute(
                f"CREATE FUNCTION {table}_guard() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN {lock}{' '.join(checks)} RETURN NEW; END $$"
            )
            op.execute(
                f"CREATE TRIGGER {table}_guard BEFORE INSERT ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {table}_guard()"
            )


def _drop_new(dialect: str) -> None:
    """The guards of objections and rulings, which 0008's drop does not know."""
    for table in _NEW_TABLES:
        if dialect == "sqlite":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_guard_all")
        elif dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_guard ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_guard()")


def _report_bad_periods(dialect: str) -> None:
    """Rows stored before this revision are kept (append-only); say how many have a bad
    period, so an office can reverse them."""
    ok = FOUR_DIGITS[dialect].replace("NEW.", "")
    bad = op.get_bind().scalar(text(f"SELECT COUNT(*) FROM eco_entries WHERE NOT ({ok})"))
    if bad:
        logging.getLogger("alembic.runtime.migration").warning(
            "eco_entries 中有 %d 条分录的考核年度不是四位数字 %d entries have a period that is "
            "not four digits: the new guard refuses new ones; reverse the old ones",
            bad,
            bad,
        )


def upgrade() -> None:
    dialect = op.get_context().dialect.name
    v8 = _v8()
    v8._drop_guards()
    _create(guards(dialect, v8), dialect)
    _report_bad_periods(dialect)


def downgrade() -> None:
    _drop_new(op.get_context().dialect.name)
    v8 = _v8()
    v8._drop_guards()
    v8._create_guards()
