"""One exception tree for zhengji; every message is written for the person who must fix it.

::

    ZhengjiError
    ├── SchemeError          a scheme file is invalid (names the key path and what is allowed)
    ├── DataError            a bundle or table is invalid (names file, row, column)
    ├── MethodError          a method got inputs it cannot use (e.g. AHP inconsistency)
    ├── StoreError           the database is unreachable or not migrated
    ├── PermissionDenied     the signed-in user's role or unit scope does not allow this
    └── NotReproducibleError a stored run cannot be rebuilt identically

The CLI maps these to exit code 2 in one place (``zhengji.cli``); nothing swallows them.
"""

from __future__ import annotations

__all__ = [
    "DataError",
    "MethodError",
    "NotReproducibleError",
    "PermissionDenied",
    "SchemeError",
    "StoreError",
    "ZhengjiError",
]


class ZhengjiError(Exception):
    """Base of every error zhengji raises on purpose."""


class SchemeError(ZhengjiError):
    """The assessment scheme is invalid; ``problems`` lists ``(key path, message)`` pairs."""

    def __init__(self, message: str, problems: list[tuple[str, str]] | None = None) -> None:
        self.problems = problems or []
        if self.problems:
            lines = [message] + [f"  {path}: {msg}" for path, msg in self.problems]
            message = "\n".join(lines)
        super().__init__(message)


class DataError(ZhengjiError):
    """A data file is invalid. ``problems`` holds ``(file, row, column, message)`` tuples.

    Rows are 1-based as a spreadsheet shows them (row 1 is the header).
    """

    def __init__(
        self,
        message: str,
        problems: list[tuple[str, int | None, str | None, str]] | None = None,
    ) -> None:
        self.problems = problems or []
        if self.problems:
            lines = [message]
            for file, row, column, msg in self.problems[:50]:
                where = file
                if row is not None:
                    where += f", 第{row}行 (row {row})"
                if column:
                    where += f", 列 column '{column}'"
                lines.append(f"  {where}: {msg}")
            if len(self.problems) > 50:
                lines.append(f"  … and {len(self.problems) - 50} more problems")
            message = "\n".join(lines)
        super().__init__(message)


class MethodError(ZhengjiError):
    """A method cannot be applied to the inputs it was given."""


class StoreError(ZhengjiError):
    """The database cannot be used as asked."""


class NotReproducibleError(ZhengjiError):
    """Rebuilding a stored assessment run gave a different result or input fingerprint."""


class PermissionDenied(ZhengjiError):  # noqa: N818 - the name STYLE.md gives it
    """The user's role or unit scope does not allow the action (the web answers 403)."""
