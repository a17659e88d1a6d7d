"""Tables of ecological accounts (issue 8): holders, rulebooks, double-entry point entries.

The rules that keep the journal honest are enforced by the database itself (triggers on SQLite
and PostgreSQL), whoever connects: see :data:`GUARDS` and ``docs/eco.md``.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from zhengji.store import appendonly

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None

APPEND_ONLY = (
    "eco_rulebooks",
    "eco_rule_dimensions",
    "eco_rule_items",
    "eco_holders",
    "eco_accounts",
    "eco_entries",
    "eco_signoffs",
    "eco_objections",
    "eco_objection_rulings",
    "eco_gep_inputs",
)
_TS = sa.DateTime(timezone=True)

# Live (not reversed) awards of the new entry's holder and period.
_LIVE = (
    "FROM eco_entries e WHERE e.holder_id = NEW.holder_id AND e.period = NEW.period "
    "AND e.kind = 'award' AND NOT EXISTS (SELECT 1 FROM eco_entries r WHERE r.reverses_id = e.id)"
)
_ITEM = "eco_rule_items WHERE rulebook_pk = NEW.rulebook_pk AND item_id = NEW.item_id"
_DIM = f"(SELECT dimension_id FROM {_ITEM})"

#: (table, kind filter, condition that is refused, message). Shared by both dialects.
GUARDS: tuple[tuple[str, str | None, str, str], ...] = (
    ("eco_entries", "award",
     "(SELECT kind FROM eco_accounts WHERE id = NEW.debit_account) <> 'programme'",
     "积分只能由发放项目账户记出 an award must debit a programme account "
     "(points are not transferable)"),
    ("eco_entries", "award",
     "NOT EXISTS (SELECT 1 FROM eco_accounts WHERE id = NEW.credit_account AND kind = 'holder' "
     "AND holder_id = NEW.holder_id)",
     "积分只能记入受益人本人账户 an award must credit the beneficiary own account"),
    ("eco_entries", "award",
     f"NEW.points <> (SELECT points FROM {_ITEM})",
     "分值与细则不符 points differ from the rulebook item"),
    ("eco_entries", "award",
     f"EXISTS (SELECT 1 FROM {_ITEM} AND ((needs_photo AND NEW.photo_ref IS NULL) OR "
     "(needs_location AND (NEW.lat IS NULL OR NEW.lon IS NULL)) OR "
     "(needs_time AND NEW.evidence_at IS NULL)))",
     "缺少细则要求的证据 evidence required by the rulebook is missing"),
    ("eco_entries", "award",
     "EXISTS (SELECT 1 FROM eco_holders h, eco_people p WHERE h.id = NEW.holder_id "
     "AND p.id = NEW.inspector_id AND (h.person_id = p.id OR "
     "(h.household_id IS NOT NULL AND p.household_id = h.household_id)))",
     "核查人不得是受益人或其家庭成员 the inspector is the beneficiary or of their household"),
    ("eco_entries", "award",
     f"(SELECT COALESCE(SUM(e.points), 0) {_LIVE} AND e.item_id = NEW.item_id) + NEW.points "
     f"> (SELECT cap FROM {_ITEM})",
     "超过项目年度上限 the item cap for the year would be exceeded"),
    ("eco_entries", "award",
     "(SELECT COALESCE(SUM(e.points), 0) FROM eco_entries e JOIN eco_rule_items i "
     "ON i.rulebook_pk = e.rulebook_pk AND i.item_id = e.item_id "
     f"WHERE e.holder_id = NEW.holder_id AND e.period = NEW.period AND e.kind = 'award' "
     "AND NOT EXISTS (SELECT 1 FROM eco_entries r WHERE r.reverses_id = e.id) "
     f"AND i.dimension_id = {_DIM}) + NEW.points > (SELECT cap FROM eco_rule_dimensions "
     f"WHERE rulebook_pk = NEW.rulebook_pk AND dimension_id = {_DIM})",
     "超过维度年度上限 the dimension cap for the year would be exceeded"),
    ("eco_entries", "award",
     f"(SELECT COALESCE(SUM(e.points), 0) {_LIVE}) + NEW.points > "
     "(SELECT total_cap FROM eco_rulebooks WHERE id = NEW.rulebook_pk)",
     "超过账户总分上限 the total cap of the account would be exceeded"),
    ("eco_entries", "reversal",
     "NOT EXISTS (SELECT 1 FROM eco_entries o WHERE o.id = NEW.reverses_id AND o.kind = 'award' "
     "AND o.points = NEW.points AND o.debit_account = NEW.credit_account "
     "AND o.credit_account = NEW.debit_account AND o.holder_id = NEW.holder_id "
     "AND o.item_id = NEW.item_id AND o.period = NEW.period)",
     "冲正须与原分录金额相同、方向相反 a reversal must mirror the award it reverses"),
    ("eco_signoffs", None,
     "EXISTS (SELECT 1 FROM eco_entries e JOIN eco_holders h ON h.id = e.holder_id "
     "JOIN eco_people p ON p.id = NEW.person_id WHERE e.id = NEW.entry_id AND "
     "(e.kind <> 'award' OR e.inspector_id = NEW.person_id OR h.person_id = NEW.person_id OR "
     "(h.household_id IS NOT NULL AND p.household_id = h.household_id)))",
     "复核人不得是核查人、受益人或其家庭成员 the second sign-off must be by someone else"),
)  # fmt: skip


def _create_guards() -> None:
    dialect = op.get_context().dialect.name
    for table in ("eco_entries", "eco_signoffs"):
        rules = [g for g in GUARDS if g[0] == table]
        if dialect == "sqlite":
            for kind in sorted({g[1] or "" for g in rules}):
                when = f"WHEN NEW.kind = '{kind}' " if kind else ""
                body = " ".join(
                    f"SELECT RAISE(ABORT, '{msg}') WHERE {cond};"
                    for _, k, cond, msg in rules
                    if (k or "") == kind
                )
                name = f"{table}_guard_{kind or 'all'}"
                op.execute(f"CREATE TRIGGER {name} BEFORE INSERT ON {table} {when}BEGIN {body} END")
        elif dialect == "postgresql":
            checks = []
            for _, only, cond, msg in rules:
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


def _drop_guards() -> None:
    dialect = op.get_context().dialect.name
    if dialect == "sqlite":
        for name in (
            "eco_entries_guard_award",
            "eco_entries_guard_reversal",
            "eco_signoffs_guard_all",
        ):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    elif dialect == "postgresql":
        for table in ("eco_entries", "eco_signoffs"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_guard ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_guard()")


def upgrade() -> None:
    op.create_table(
        "eco_people",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("household_id", sa.String(), nullable=True),
        sa.Column("name", sa.String(), nullable=True),
        sa.Column("erased_at", _TS, nullable=True),
        sa.Index("ix_eco_people_household_id", "household_id"),
    )
    op.create_table(
        "eco_rulebooks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("rulebook_id", sa.String(), nullable=False),
        sa.Column("version", sa.String(), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False, unique=True),
        sa.Column("toml", sa.Text(), nullable=False),
        sa.Column("total_cap", sa.Integer(), nullable=False),
        sa.Column("objection_days", sa.Integer(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_table(
        "eco_rule_dimensions",
        sa.Column("rulebook_pk", sa.Integer(), sa.ForeignKey("eco_rulebooks.id"), primary_key=True),
        sa.Column("dimension_id", sa.String(), primary_key=True),
        sa.Column("cap", sa.Integer(), nullable=False),
    )
    op.create_table(
        "eco_rule_items",
        sa.Column("rulebook_pk", sa.Integer(), sa.ForeignKey("eco_rulebooks.id"), primary_key=True),
        sa.Column("item_id", sa.String(), primary_key=True),
        sa.Column("dimension_id", sa.String(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("cap", sa.Integer(), nullable=False),
        sa.Column("validity_years", sa.Integer(), nullable=False),
        sa.Column("needs_photo", sa.Boolean(), nullable=False),
        sa.Column("needs_location", sa.Boolean(), nullable=False),
        sa.Column("needs_time", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["rulebook_pk", "dimension_id"],
            ["eco_rule_dimensions.rulebook_pk", "eco_rule_dimensions.dimension_id"],
        ),
    )
    op.create_table(
        "eco_holders",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("village_id", sa.String(), nullable=False),
        sa.Column("township_id", sa.String(), nullable=False),
        sa.Column("county_id", sa.String(), nullable=False),
        sa.Column("household_id", sa.String(), nullable=True),
        sa.Column("person_id", sa.String(), sa.ForeignKey("eco_people.id"), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.CheckConstraint(
            "kind IN ('household', 'sole_trader', 'enterprise', 'village')",
            name="ck_eco_holder_kind",
        ),
        sa.Index("ix_eco_holders_county", "county_id"),
    )
    op.create_table(
        "eco_holder_names",
        sa.Column("holder_id", sa.String(), sa.ForeignKey("eco_holders.id"), primary_key=True),
        sa.Column("name", sa.String(), nullable=True),
        sa.Column("erased_at", _TS, nullable=True),
    )
    op.create_table(
        "eco_accounts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column(
            "holder_id", sa.String(), sa.ForeignKey("eco_holders.id"), nullable=True, unique=True
        ),
        sa.Column("programme", sa.String(), nullable=True, unique=True),
        sa.CheckConstraint(
            "(kind = 'holder' AND holder_id IS NOT NULL AND programme IS NULL) OR "
            "(kind = 'programme' AND holder_id IS NULL AND programme IS NOT NULL)",
            name="ck_eco_account_kind",
        ),
    )
    op.create_table(
        "eco_entries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("rulebook_pk", sa.Integer(), sa.ForeignKey("eco_rulebooks.id"), nullable=False),
        sa.Column("item_id", sa.String(), nullable=False),
        sa.Column("period", sa.String(), nullable=False),
        sa.Column("holder_id", sa.String(), sa.ForeignKey("eco_holders.id"), nullable=False),
        sa.Column("debit_account", sa.Integer(), sa.ForeignKey("eco_accounts.id"), nullable=False),
        sa.Column("credit_account", sa.Integer(), sa.ForeignKey("eco_accounts.id"), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("inspector_id", sa.String(), sa.ForeignKey("eco_people.id"), nullable=False),
        sa.Column("photo_ref", sa.Text(), nullable=True),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("lon", sa.Double(), nullable=True),
        sa.Column("evidence_at", _TS, nullable=True),
        sa.Column("device_id", sa.String(), nullable=True),
        sa.Column("awarded_at", _TS, nullable=False),
        sa.Column("valid_until", _TS, nullable=False),
        sa.Column("posted_at", _TS, nullable=False),
        sa.Column("objection_until", _TS, nullable=False),
        sa.Column(
            "reverses_id", sa.Integer(), sa.ForeignKey("eco_entries.id"), nullable=True, unique=True
        ),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("ledger_index", sa.Integer(), nullable=True),
        sa.Column("recorded_by", sa.String(), nullable=False),
        sa.Column("recorded_at", _TS, nullable=False),
        sa.CheckConstraint("points > 0", name="ck_eco_entry_points"),
        sa.CheckConstraint("debit_account <> credit_account", name="ck_eco_entry_accounts"),
        sa.CheckConstraint("kind IN ('award', 'reversal')", name="ck_eco_entry_kind"),
        sa.CheckConstraint(
            "(kind = 'award' AND reverses_id IS NULL) OR "
            "(kind = 'reversal' AND reverses_id IS NOT NULL)",
            name="ck_eco_entry_reversal",
        ),
        sa.CheckConstraint("objection_until >= posted_at", name="ck_eco_entry_window"),
        sa.ForeignKeyConstraint(
            ["rulebook_pk", "item_id"], ["eco_rule_items.rulebook_pk", "eco_rule_items.item_id"]
        ),
        sa.Index("ix_eco_entries_holder", "holder_id", "period"),
        sa.Index("ix_eco_entries_inspector", "inspector_id"),
    )
    op.create_table(
        "eco_signoffs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "entry_id", sa.Integer(), sa.ForeignKey("eco_entries.id"), nullable=False, unique=True
        ),
        sa.Column("person_id", sa.String(), sa.ForeignKey("eco_people.id"), nullable=False),
        sa.Column("signed_at", _TS, nullable=False),
        sa.Column("ledger_index", sa.Integer(), nullable=True),
    )
    op.create_table(
        "eco_objections",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("entry_id", sa.Integer(), sa.ForeignKey("eco_entries.id"), nullable=False),
        sa.Column("raised_by", sa.String(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("raised_at", _TS, nullable=False),
        sa.Column("ledger_index", sa.Integer(), nullable=True),
        sa.Index("ix_eco_objections_entry_id", "entry_id"),
    )
    op.create_table(
        "eco_objection_rulings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "objection_id",
            sa.Integer(),
            sa.ForeignKey("eco_objections.id"),
            nullable=False,
            unique=True,
        ),
        sa.Column("upheld", sa.Boolean(), nullable=False),
        sa.Column("person_id", sa.String(), sa.ForeignKey("eco_people.id"), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("reversal_id", sa.Integer(), sa.ForeignKey("eco_entries.id"), nullable=True),
        sa.Column("ruled_at", _TS, nullable=False),
        sa.Column("ledger_index", sa.Integer(), nullable=True),
    )
    op.create_table(
        "eco_gep_inputs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("unit_id", sa.String(), nullable=False),
        sa.Column("year", sa.String(), nullable=False),
        sa.Column("service", sa.String(), nullable=False),
        sa.Column("quantity", sa.Double(), nullable=False),
        sa.Column("unit", sa.String(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column(
            "supersedes_id",
            sa.Integer(),
            sa.ForeignKey("eco_gep_inputs.id"),
            nullable=True,
            unique=True,
        ),
        sa.Column("recorded_at", _TS, nullable=False),
        sa.Index("ix_eco_gep_inputs_key", "unit_id", "year", "service"),
    )
    appendonly.create(APPEND_ONLY)
    _create_guards()


def downgrade() -> None:
    _drop_guards()
    appendonly.drop(APPEND_ONLY)
    for table in reversed(
        ("eco_people", "eco_rulebooks", "eco_rule_dimensions", "eco_rule_items", "eco_holders",
         "eco_holder_names", "eco_accounts", "eco_entries", "eco_signoffs", "eco_objections",
         "eco_objection_rulings", "eco_gep_inputs")
    ):  # fmt: skip
        op.drop_table(table)
