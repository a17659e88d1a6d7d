"""ORM tables of ecological accounts (issue 8): holders, rulebooks, double-entry point entries.

Migration 0008 creates these (and the database guards described in ``docs/eco.md``), 0013 the
price tables; 0014 makes the guards independent of foreign keys (no NULL comparisons with a
missing item, holder, inspector or sign-off person) and refuses a ``period`` that is not four
digits (triggers, not columns: nothing below changes).

* ``eco_people`` and ``eco_holder_names`` — personal data (PIPL), the only tables that are not
  append-only: erasing blanks the name; entries and the ledger keep only ids.
* ``eco_rulebooks`` / ``eco_rule_dimensions`` / ``eco_rule_items`` — the rules as used, with
  the caps the database enforces.
* ``eco_holders`` / ``eco_accounts`` — who holds points and the accounts of the journal: one
  per holder and one per issuing programme.
* ``eco_entries`` — the journal. Each row is one double-entry posting: it debits one account and
  credits another by the same ``points``, so every entry balances by construction. An award
  debits the programme and credits a holder; a reversal is a new row that swaps the two
  accounts of the award it reverses. Triggers refuse transfers between holders, awards over an
  item, dimension or total cap, an inspector who is the beneficiary or of their household,
  missing evidence, and reversals that do not mirror their award.
* ``eco_signoffs``, ``eco_objections``, ``eco_objection_rulings`` — second sign-off (never the
  inspector) and the public objection window.
* ``eco_gep_inputs`` — physical quantities for GEP accounting per unit and year.
* ``eco_gep_price_tables`` — GEP price tables as stored (migration 0013): the exact TOML text
  and its SHA-256, one row per version, never replaced (``zhengji.eco.pricebook``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from zhengji.store.schema import Base

__all__ = [
    "APPEND_ONLY",
    "EcoAccountRow",
    "EcoEntryRow",
    "EcoGepInputRow",
    "EcoGepPriceTableRow",
    "EcoHolderNameRow",
    "EcoHolderRow",
    "EcoObjectionRow",
    "EcoPersonRow",
    "EcoRuleDimensionRow",
    "EcoRuleItemRow",
    "EcoRulebookRow",
    "EcoRulingRow",
    "EcoSignoffRow",
]

#: Tables whose rows carry responsibility: the database refuses UPDATE and DELETE.
APPEND_ONLY: tuple[str, ...] = (
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
    "eco_gep_price_tables",
)


class EcoPersonRow(Base):
    """A person who inspects, signs off or holds (name erasable); ``household_id`` links
    household members so the database can refuse an inspector of the beneficiary's household."""

    __tablename__ = "eco_people"
    id: Mapped[str] = mapped_column(primary_key=True)
    household_id: Mapped[str | None] = mapped_column(index=True)
    name: Mapped[str | None]
    erased_at: Mapped[dt.datetime | None] = mapped_column()


class EcoRulebookRow(Base):
    """A rulebook as used (its TOML and fingerprint)."""

    __tablename__ = "eco_rulebooks"
    id: Mapped[int] = mapped_column(primary_key=True)
    rulebook_id: Mapped[str]
    version: Mapped[str]
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    toml: Mapped[str] = mapped_column(Text)
    total_cap: Mapped[int]
    objection_days: Mapped[int]
    created_at: Mapped[dt.datetime] = mapped_column()


class EcoRuleDimensionRow(Base):
    __tablename__ = "eco_rule_dimensions"
    rulebook_pk: Mapped[int] = mapped_column(ForeignKey("eco_rulebooks.id"), primary_key=True)
    dimension_id: Mapped[str] = mapped_column(primary_key=True)
    cap: Mapped[int]


class EcoRuleItemRow(Base):
    __tablename__ = "eco_rule_items"
    __table_args__ = (
        ForeignKeyConstraint(
            ["rulebook_pk", "dimension_id"],
            ["eco_rule_dimensions.rulebook_pk", "eco_rule_dimensions.dimension_id"],
        ),
    )
    rulebook_pk: Mapped[int] = mapped_column(ForeignKey("eco_rulebooks.id"), primary_key=True)
    item_id: Mapped[str] = mapped_column(primary_key=True)
    dimension_id: Mapped[str]
    points: Mapped[int]
    cap: Mapped[int]
    validity_years: Mapped[int]
    needs_photo: Mapped[bool] = mapped_column(Boolean)
    needs_location: Mapped[bool] = mapped_column(Boolean)
    needs_time: Mapped[bool] = mapped_column(Boolean)


class EcoHolderRow(Base):
    """An account holder and where it belongs (village → township → county)."""

    __tablename__ = "eco_holders"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('household', 'sole_trader', 'enterprise', 'village')",
            name="ck_eco_holder_kind",
        ),
        Index("ix_eco_holders_county", "county_id"),
    )
    id: Mapped[str] = mapped_column(primary_key=True)
    kind: Mapped[str]
    village_id: Mapped[str]
    township_id: Mapped[str]
    county_id: Mapped[str]
    household_id: Mapped[str | None]
    person_id: Mapped[str | None] = mapped_column(ForeignKey("eco_people.id"))
    created_at: Mapped[dt.datetime] = mapped_column()


class EcoHolderNameRow(Base):
    """A holder's display name (personal data for households and sole traders; erasable)."""

    __tablename__ = "eco_holder_names"
    holder_id: Mapped[str] = mapped_column(ForeignKey("eco_holders.id"), primary_key=True)
    name: Mapped[str | None]
    erased_at: Mapped[dt.datetime | None] = mapped_column()


class EcoAccountRow(Base):
    """An account of the journal: a holder's, or an issuing programme's."""

    __tablename__ = "eco_accounts"
    __table_args__ = (
        CheckConstraint(
            "(kind = 'holder' AND holder_id IS NOT NULL AND programme IS NULL) OR "
            "(kind = 'programme' AND holder_id IS NULL AND programme IS NOT NULL)",
            name="ck_eco_account_kind",
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str]
    holder_id: Mapped[str | None] = mapped_column(ForeignKey("eco_holders.id"), unique=True)
    programme: Mapped[str | None] = mapped_column(unique=True)


class EcoEntryRow(Base):
    """One double-entry posting: ``points`` from ``debit_account`` to ``credit_account``."""

    __tablename__ = "eco_entries"
    __table_args__ = (
        CheckConstraint("points > 0", name="ck_eco_entry_points"),
        CheckConstraint("debit_account <> credit_account", name="ck_eco_entry_accounts"),
        CheckConstraint("kind IN ('award', 'reversal')", name="ck_eco_entry_kind"),
        CheckConstraint(
            "(kind = 'award' AND reverses_id IS NULL) OR "
            "(kind = 'reversal' AND reverses_id IS NOT NULL)",
            name="ck_eco_entry_reversal",
        ),
        CheckConstraint("objection_until >= posted_at", name="ck_eco_entry_window"),
        ForeignKeyConstraint(
            ["rulebook_pk", "item_id"], ["eco_rule_items.rulebook_pk", "eco_rule_items.item_id"]
        ),
        Index("ix_eco_entries_holder", "holder_id", "period"),
        Index("ix_eco_entries_inspector", "inspector_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str]
    rulebook_pk: Mapped[int] = mapped_column(ForeignKey("eco_rulebooks.id"))
    item_id: Mapped[str]
    period: Mapped[str]
    holder_id: Mapped[str] = mapped_column(ForeignKey("eco_holders.id"))
    debit_account: Mapped[int] = mapped_column(ForeignKey("eco_accounts.id"))
    credit_account: Mapped[int] = mapped_column(ForeignKey("eco_accounts.id"))
    points: Mapped[int]
    inspector_id: Mapped[str] = mapped_column(ForeignKey("eco_people.id"))
    photo_ref: Mapped[str | None] = mapped_column(Text)
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    evidence_at: Mapped[dt.datetime | None] = mapped_column()
    device_id: Mapped[str | None]
    awarded_at: Mapped[dt.datetime] = mapped_column()
    valid_until: Mapped[dt.datetime] = mapped_column()
    posted_at: Mapped[dt.datetime] = mapped_column()
    objection_until: Mapped[dt.datetime] = mapped_column()
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("eco_entries.id"), unique=True)
    reason: Mapped[str | None] = mapped_column(Text)
    ledger_index: Mapped[int | None]
    recorded_by: Mapped[str]
    recorded_at: Mapped[dt.datetime] = mapped_column()


class EcoSignoffRow(Base):
    """The second sign-off of an award, by someone other than the inspector."""

    __tablename__ = "eco_signoffs"
    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("eco_entries.id"), unique=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("eco_people.id"))
    signed_at: Mapped[dt.datetime] = mapped_column()
    ledger_index: Mapped[int | None]


class EcoObjectionRow(Base):
    """An objection raised against a posted award within its window."""

    __tablename__ = "eco_objections"
    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("eco_entries.id"), index=True)
    raised_by: Mapped[str]
    text: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[dt.datetime] = mapped_column()
    ledger_index: Mapped[int | None]


class EcoRulingRow(Base):
    """The ruling on an objection; an upheld one points at the reversal it caused."""

    __tablename__ = "eco_objection_rulings"
    id: Mapped[int] = mapped_column(primary_key=True)
    objection_id: Mapped[int] = mapped_column(ForeignKey("eco_objections.id"), unique=True)
    upheld: Mapped[bool] = mapped_column(Boolean)
    person_id: Mapped[str] = mapped_column(ForeignKey("eco_people.id"))
    reason: Mapped[str] = mapped_column(Text)
    reversal_id: Mapped[int | None] = mapped_column(ForeignKey("eco_entries.id"))
    ruled_at: Mapped[dt.datetime] = mapped_column()
    ledger_index: Mapped[int | None]


class EcoGepInputRow(Base):
    """One physical quantity (or value) of one GEP service for a unit and year (append-only)."""

    __tablename__ = "eco_gep_inputs"
    __table_args__ = (Index("ix_eco_gep_inputs_key", "unit_id", "year", "service"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[str]
    year: Mapped[str]
    service: Mapped[str]
    quantity: Mapped[float]
    unit: Mapped[str]
    source: Mapped[str] = mapped_column(Text)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("eco_gep_inputs.id"), unique=True)
    recorded_at: Mapped[dt.datetime] = mapped_column()


class EcoGepPriceTableRow(Base):
    """A GEP price table as an office stored it (append-only, migration 0013): the exact TOML
    text and its SHA-256, so a GEP figure can name the very table that produced it."""

    __tablename__ = "eco_gep_price_tables"
    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    toml: Mapped[str] = mapped_column(Text)
    source_name: Mapped[str]  # the file it was imported from
    imported_at: Mapped[dt.datetime] = mapped_column()
    imported_by: Mapped[str]
    note: Mapped[str] = mapped_column(Text)
    ledger_index: Mapped[int]
