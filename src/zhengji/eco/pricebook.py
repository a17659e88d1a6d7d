"""Stored GEP price tables: an office stores its own table once, every surface uses it.

The CLI (``zhengji eco gep …``), the web pages (``/eco``, ``/eco/gep``) and the demo's derived
indicators value GEP with the table *in force*: the newest stored table, or the built-in
``zhengji/eco/prices.toml`` while none is stored. A table is stored as its exact TOML text with
the SHA-256 of that text (= ``sha256sum FILE``), one row per version, append-only, with a
ledger leaf; so a GEP figure names the table that produced it (version + hash) and anyone can
rebuild it (COINr: the result records how it was built). A version is never stored twice with
different text: a changed table is a new version.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from zhengji.eco.gep import PriceTable, parse_prices
from zhengji.eco.service import utc
from zhengji.errors import DataError, StoreError
from zhengji.ledger import append
from zhengji.store.schema_eco import EcoGepPriceTableRow

__all__ = [
    "BUILTIN_SOURCE",
    "KIND",
    "Stored",
    "TableInfo",
    "TableUsed",
    "builtin",
    "builtin_text",
    "from_file",
    "get",
    "in_force",
    "list_tables",
    "read_text",
    "record_of",
    "sha256_of",
    "store",
    "table_used",
]

#: The ledger kind of a stored price table.
KIND = "eco_gep_prices"
BUILTIN_SOURCE = "zhengji/eco/prices.toml"
Kind = Literal["built-in", "stored", "file"]
_LABEL = {"built-in": "内置 built-in", "stored": "库存 stored", "file": "文件 file"}


def sha256_of(text: str) -> str:
    """SHA-256 of the text's UTF-8 bytes: for a file read as bytes, equals ``sha256sum``."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def builtin_text() -> str:
    return resources.files("zhengji.eco").joinpath("prices.toml").read_text(encoding="utf-8")


@dataclass(frozen=True)
class TableInfo:
    """Which table: version, hash, where it comes from, and (stored) who stored it when."""

    version: str
    sha256: str
    kind: Kind
    source_name: str
    imported_at: dt.datetime | None = None
    imported_by: str | None = None
    note: str = ""
    ledger_index: int | None = None

    @property
    def short(self) -> str:
        return self.sha256[:12]

    def label(self) -> str:
        """e.g. ``v2026.2 (sha256 3f2a…, 内置 built-in)``: what a GEP figure is printed with."""
        return f"v{self.version} (sha256 {self.short}, {_LABEL[self.kind]})"

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "sha256": self.sha256,
            "sha256_short": self.short,
            "kind": self.kind,
            "source_name": self.source_name,
            "imported_at": None if self.imported_at is None else self.imported_at.isoformat(),
            "imported_by": self.imported_by,
            "note": self.note,
            "ledger_index": self.ledger_index,
        }


@dataclass(frozen=True)
class TableUsed:
    """A price table and which one it is."""

    prices: PriceTable
    info: TableInfo


@dataclass(frozen=True)
class Stored:
    """What :func:`store` did: ``created`` False means the same text was already stored."""

    info: TableInfo
    created: bool

    def message(self) -> str:
        if self.created:
            return (
                f"价格表已存储 price table stored: {self.info.label()}, "
                f"ledger #{self.info.ledger_index}"
            )
        return f"价格表已存在 already stored: {self.info.label()} (nothing changed)"


@functools.cache
def builtin() -> TableUsed:
    """The built-in table (a package file: read and parsed once per process)."""
    text = builtin_text()
    pt = parse_prices(text, BUILTIN_SOURCE)
    return TableUsed(pt, TableInfo(pt.version, sha256_of(text), "built-in", BUILTIN_SOURCE))


def from_file(path: str | Path) -> TableUsed:
    """A table read from a file (``--prices FILE``), hashed over the file's exact bytes."""
    p = Path(path)
    text = read_text(p)
    pt = parse_prices(text, str(p))
    return TableUsed(pt, TableInfo(pt.version, sha256_of(text), "file", str(p)))


def read_text(path: str | Path) -> str:
    """A file's exact text (no newline translation, so its hash is the file's)."""
    p = Path(path)
    try:
        return p.read_bytes().decode("utf-8")
    except OSError as exc:
        raise DataError(f"无法读取价格表 cannot read price table {p}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise DataError(
            f"价格表须为UTF-8编码 price table {p} is not UTF-8 (byte {exc.start}); save it as UTF-8"
        ) from None


def _info(row: EcoGepPriceTableRow) -> TableInfo:
    return TableInfo(
        row.version,
        row.sha256,
        "stored",
        row.source_name,
        utc(row.imported_at),
        row.imported_by,
        row.note,
        row.ledger_index,
    )


def record_of(info: TableInfo) -> dict[str, Any]:
    """The ledger record of a stored table (its leaf holds only this record's hash)."""
    assert info.imported_at is not None
    return {
        "version": info.version,
        "sha256": info.sha256,
        "source_name": info.source_name,
        "imported_at": info.imported_at.isoformat(),
        "imported_by": info.imported_by,
        "note": info.note,
    }


def store(
    session: Session,
    text: str,
    source_name: str,
    by: str,
    note: str = "",
    at: dt.datetime | None = None,
) -> Stored:
    """Validate ``text`` (errors name file, line and field) and store it with a ledger leaf.

    The same text again changes nothing (``created`` False); a version already stored with
    other text, or the built-in table's version with other text, is refused.
    """
    pt = parse_prices(text, source_name)
    sha = sha256_of(text)
    old = _row(session, pt.version)
    if old is not None:
        if old.sha256 == sha:
            return Stored(_info(old), created=False)
        raise DataError(
            f"价格表版本 {pt.version} 已存储且内容不同 price table version '{pt.version}' is "
            f"already stored with other text (sha256 {old.sha256[:12]}, stored "
            f"{utc(old.imported_at):%Y-%m-%d %H:%M} UTC by {old.imported_by}; yours "
            f"{sha[:12]}). A stored table is never replaced: give yours a new version "
            f'(version = "{pt.version}.1") and import it again'
        )
    built = builtin().info
    if pt.version == built.version and sha != built.sha256:
        raise DataError(
            f"价格表版本 {pt.version} 是内置价格表的版本 version '{pt.version}' is the built-in "
            f"table's ({BUILTIN_SOURCE}, sha256 {built.short}) but your text differs "
            f'({sha[:12]}): give yours its own version (e.g. version = "{pt.version}-local")'
        )
    info = TableInfo(
        pt.version,
        sha,
        "stored",
        source_name,
        utc(at or dt.datetime.now(dt.UTC)),
        by,
        note,
    )
    leaf = append(session, KIND, record_of(info))
    session.add(
        EcoGepPriceTableRow(
            version=info.version,
            sha256=sha,
            toml=text,
            source_name=source_name,
            imported_at=info.imported_at,
            imported_by=by,
            note=note,
            ledger_index=leaf.index,
        )
    )
    try:
        session.flush()
    except IntegrityError:
        # another session stored this version between our check and our insert
        raise DataError(
            f"价格表版本 {pt.version} 刚被他人存储 price table version '{pt.version}' was "
            "stored by someone else at the same moment; nothing of yours was stored: list the "
            "stored tables (zhengji eco gep prices-list, or /eco/gep) and import again with a "
            "new version if yours differs"
        ) from None
    return Stored(replace(info, ledger_index=leaf.index), created=True)


def _row(session: Session, version: str) -> EcoGepPriceTableRow | None:
    return session.scalar(select(EcoGepPriceTableRow).where(EcoGepPriceTableRow.version == version))


def list_tables(session: Session) -> list[TableInfo]:
    """Every stored table, oldest first (the last one is in force)."""
    rows = session.scalars(select(EcoGepPriceTableRow).order_by(EcoGepPriceTableRow.id))
    return [_info(r) for r in rows]


def _used(row: EcoGepPriceTableRow) -> TableUsed:
    """The stored table, refusing a text that no longer matches its hash."""
    if sha256_of(row.toml) != row.sha256:
        raise StoreError(
            f"价格表 {row.version} 的文本与其哈希不符 stored price table '{row.version}' no "
            f"longer matches its sha256 {row.sha256[:12]}: the row was altered behind the "
            "database guards; run `zhengji ledger verify`"
        )
    pt = parse_prices(row.toml, f"{row.source_name} (stored v{row.version})")
    return TableUsed(pt, _info(row))


def get(session: Session, version: str) -> PriceTable:
    """The stored table of ``version`` (an unknown version lists the stored ones)."""
    return table_used(session, version).prices


def in_force(session: Session) -> PriceTable:
    """The newest stored table, or the built-in one while none is stored."""
    return table_used(session).prices


def table_used(session: Session, version: str | None = None) -> TableUsed:
    """``version`` (stored, or the built-in table's version while not stored), else the table
    in force; with which one it is."""
    if version is None:
        newest = session.scalar(
            select(EcoGepPriceTableRow).order_by(EcoGepPriceTableRow.id.desc()).limit(1)
        )
        return builtin() if newest is None else _used(newest)
    row = _row(session, version)
    if row is not None:
        return _used(row)
    built = builtin()
    if version == built.info.version:
        return built
    known = [t.version for t in list_tables(session)]
    raise DataError(
        f"没有此版本的价格表 no stored price table version '{version}'; stored: "
        f"{', '.join(known) or '无 none'} (built-in {built.info.version}); store one with "
        "`zhengji eco gep prices-import FILE`"
    )
