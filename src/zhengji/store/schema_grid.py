"""ORM tables of grids, ten-household groups, roles and dispute mediation (issue 10).

Migration 0010 creates exactly these. See ``docs/grid.md``.

Structure (``grid_villages`` → ``grid_grids`` → ``grid_groups`` → ``grid_households``) and
roles (``grid_roles``) are reference data. Personal data lives only in the erasable tables
``grid_people`` and ``grid_dispute_parties`` (names and phones are set to NULL on erasure; ids
stay). Visits, disputes, their events, volunteer hours and eco conversions carry
responsibility and are append-only (database triggers).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from zhengji.store.schema import Base

__all__ = [
    "APPEND_ONLY",
    "GridDisputeEventRow",
    "GridDisputePartyRow",
    "GridDisputeRow",
    "GridEcoConversionRow",
    "GridGroupRow",
    "GridHouseholdRow",
    "GridPersonRow",
    "GridRoleRow",
    "GridRow",
    "GridVillageRow",
    "GridVisitRow",
    "GridVolunteerHoursRow",
]

APPEND_ONLY: tuple[str, ...] = (
    "grid_visits",
    "grid_disputes",
    "grid_dispute_events",
    "grid_volunteer_hours",
    "grid_eco_conversions",
)


class GridVillageRow(Base):
    """A village (村) or community (社区) under a township."""

    __tablename__ = "grid_villages"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    township_id: Mapped[str] = mapped_column(String(64), index=True)
    county_id: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))


class GridRow(Base):
    """A grid (网格) of a village."""

    __tablename__ = "grid_grids"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    village_id: Mapped[str] = mapped_column(ForeignKey("grid_villages.id"), index=True)


class GridGroupRow(Base):
    """A ten-household group (十联户) of a grid, led by one of its households (联户长)."""

    __tablename__ = "grid_groups"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    grid_id: Mapped[str] = mapped_column(ForeignKey("grid_grids.id"), index=True)
    lead_household_id: Mapped[str] = mapped_column(String(64))


class GridHouseholdRow(Base):
    """A household (户) in exactly one group; no names here (see ``grid_people``)."""

    __tablename__ = "grid_households"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    group_id: Mapped[str] = mapped_column(ForeignKey("grid_groups.id"), index=True)
    members: Mapped[int] = mapped_column()


class GridPersonRow(Base):
    """A person with a role (erasable: name and phone become NULL, ``erased_at`` is set)."""

    __tablename__ = "grid_people"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32))
    household_id: Mapped[str | None] = mapped_column(String(64))
    eco_holder_id: Mapped[str | None] = mapped_column(String(64))
    erased_at: Mapped[dt.datetime | None] = mapped_column()


class GridRoleRow(Base):
    """A role of a person at a unit: grid worker at a grid, lead household at a group, 法律明白人
    / volunteer at a village or grid, mediator (full/part time) at a village, township or
    county, centre staff (综治中心) at a township or county."""

    __tablename__ = "grid_roles"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("grid_people.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    unit_id: Mapped[str] = mapped_column(String(64), index=True)
    mode: Mapped[str | None] = mapped_column(String(16))


class GridVisitRow(Base):
    """A visit (走访) or a hazard/issue check (排查); an issue found is a citizen request."""

    __tablename__ = "grid_visits"
    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[str] = mapped_column(ForeignKey("grid_grids.id"), index=True)
    household_id: Mapped[str | None] = mapped_column(String(64))
    actor_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    visited_at: Mapped[dt.datetime] = mapped_column(index=True)
    request_id: Mapped[int | None] = mapped_column()
    recorded_at: Mapped[dt.datetime] = mapped_column()


class GridDisputeRow(Base):
    """A dispute as registered (矛盾纠纷登记); its course is in ``grid_dispute_events``."""

    __tablename__ = "grid_disputes"
    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[str] = mapped_column(ForeignKey("grid_grids.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    risk: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(Text)
    opened_at: Mapped[dt.datetime] = mapped_column(index=True)
    due_at: Mapped[dt.datetime] = mapped_column()
    opened_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[dt.datetime] = mapped_column()


class GridDisputePartyRow(Base):
    """A party to a dispute (erasable; visible only to the handling mediator and the centre)."""

    __tablename__ = "grid_dispute_parties"
    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("grid_disputes.id"), index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32))
    household_id: Mapped[str | None] = mapped_column(String(64))
    erased_at: Mapped[dt.datetime | None] = mapped_column()


class GridDisputeEventRow(Base):
    """One step of a dispute (append-only): who, when, what; the state after it."""

    __tablename__ = "grid_dispute_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("grid_disputes.id"), index=True)
    seq: Mapped[int] = mapped_column()
    action: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(16))
    mediator_id: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column()
    ledger_index: Mapped[int | None] = mapped_column()
    recorded_at: Mapped[dt.datetime] = mapped_column()


class GridVolunteerHoursRow(Base):
    """Volunteer service hours (志愿服务时长) of one person on one day."""

    __tablename__ = "grid_volunteer_hours"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("grid_people.id"), index=True)
    grid_id: Mapped[str] = mapped_column(ForeignKey("grid_grids.id"), index=True)
    day: Mapped[dt.date] = mapped_column()
    hours: Mapped[float] = mapped_column()
    activity: Mapped[str] = mapped_column(String(32))
    photo_ref: Mapped[str | None] = mapped_column(String(300))
    lat: Mapped[float | None] = mapped_column()
    lon: Mapped[float | None] = mapped_column()
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[dt.datetime] = mapped_column()


class GridEcoConversionRow(Base):
    """Hours converted into eco public-welfare points (生态公益积分) by rule."""

    __tablename__ = "grid_eco_conversions"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("grid_people.id"), index=True)
    hours_used: Mapped[float] = mapped_column()
    eco_entry_ids: Mapped[list[Any]] = mapped_column(JSON)
    rule: Mapped[dict[str, Any]] = mapped_column(JSON)
    by: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column()
