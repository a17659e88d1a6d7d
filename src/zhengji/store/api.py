"""The :class:`Store`: owns an engine and a sessionmaker; each method is one transaction.

A thin shell over :mod:`zhengji.store.ops` (datasette style): open it with a URL, call
methods, nothing else to manage. Database errors surface as :class:`StoreError`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from zhengji.bundle.model import Bundle
from zhengji.engine.panel import Panel
from zhengji.engine.result import Assessment
from zhengji.errors import StoreError
from zhengji.scheme.model import Scheme
from zhengji.store import findings as findings_ops
from zhengji.store import ops
from zhengji.store.db import current_revision, head_revision, make_engine, migrate, resolve_url

__all__ = ["Store"]


class Store:
    """A zhengji database. ``Store.open()`` migrates it to the current schema first."""

    def __init__(self, url: str, *, run_migrations: bool = True) -> None:
        self.engine = make_engine(url)
        self.url = self.engine.url.render_as_string(hide_password=True)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        try:
            if run_migrations:
                migrate(self.engine)
            elif current_revision(self.engine) != head_revision():
                raise StoreError(
                    f"数据库未迁移 the database at {self.url} is not at the current schema; "
                    "open it with migrations enabled"
                )
        except SQLAlchemyError as exc:
            self.engine.dispose()
            msg = f"无法使用数据库 cannot use the database at {self.url}: {exc}"
            raise StoreError(msg) from exc
        except StoreError:
            self.engine.dispose()
            raise

    @classmethod
    def open(cls, url: str | None = None, *, run_migrations: bool = True) -> Store:
        """Open ``url`` (else ``$ZHENGJI_DATABASE_URL``, else ``sqlite:///zhengji.db``)."""
        return cls(resolve_url(url), run_migrations=run_migrations)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on any error."""
        try:
            with self.sessions.begin() as session:
                yield session
        except SQLAlchemyError as exc:
            raise StoreError(f"数据库操作失败 database error at {self.url}: {exc}") from exc

    def import_bundle(self, bundle: Bundle) -> ops.ImportSummary:
        """Append the bundle's new and changed values; on any error nothing is written."""
        with self.transaction() as s:
            return ops.import_bundle(s, bundle)

    def panel(
        self,
        scheme: Scheme,
        as_of_import_id: int | None = None,
        unit_ids: Sequence[str] | None = None,
    ) -> Panel:
        """The panel of values current as of an import (None: the latest)."""
        with self.transaction() as s:
            return ops.load_panel(s, scheme, as_of_import_id, unit_ids)

    def record_run(
        self,
        assessment: Assessment,
        bundle_fingerprint: str,
        as_of_import_id: int | None,
        scheme: Scheme | None = None,
    ) -> int:
        """Record an assessment run; returns its id."""
        with self.transaction() as s:
            return ops.record_run(s, assessment, bundle_fingerprint, as_of_import_id, scheme)

    def runs(self) -> list[ops.RunRecord]:
        with self.transaction() as s:
            return ops.list_runs(s)

    def run(self, run_id: int) -> ops.RunRecord:
        with self.transaction() as s:
            return ops.get_run(s, run_id)

    def imports(self) -> list[ops.ImportInfo]:
        with self.transaction() as s:
            return ops.list_imports(s)

    def history(self, unit_id: str, period: str, indicator_id: str) -> list[ops.ObservationVersion]:
        """Every version of one value, oldest first."""
        with self.transaction() as s:
            return ops.history(s, unit_id, period, indicator_id)

    def versions(
        self, unit_ids: Sequence[str], indicator_ids: Sequence[str]
    ) -> list[ops.ObservationVersion]:
        """Every stored version of these units' indicators, oldest first."""
        with self.transaction() as s:
            return ops.versions(s, unit_ids, indicator_ids)

    # --- integrity findings (see zhengji.store.findings) ---
    def record_screen(
        self,
        scheme: Scheme,
        findings: Sequence[findings_ops.FindingLike],
        as_of_import_id: int | None,
        not_tested: Sequence[Mapping[str, Any]] = (),
    ) -> int:
        """Store a screening and its findings; returns the screen id."""
        with self.transaction() as s:
            return findings_ops.record_screen(s, scheme, findings, as_of_import_id, not_tested)

    def findings(
        self, screen_id: int | None = None, finding_id: int | None = None
    ) -> list[findings_ops.StoredFinding]:
        """Findings of a screen (default: the latest) with their review state."""
        with self.transaction() as s:
            return findings_ops.list_findings(s, screen_id, finding_id)

    def act_on_finding(
        self, scheme: Scheme | None, finding_id: int, action: str, actor: str, text: str
    ) -> str:
        """Explain, confirm or dismiss a finding; confirming records the veto. New state."""
        with self.transaction() as s:
            return findings_ops.act_on_finding(s, scheme, finding_id, action, actor, text)
