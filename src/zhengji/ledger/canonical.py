"""The one byte encoding of a record before it is hashed: RFC 8785 JSON Canonicalization (JCS).

Why JCS: an outside auditor holding the record as JSON can recompute the very same bytes with
any RFC 8785 implementation (Go, Java, JavaScript, Python), so the record digest in a leaf is
checkable without our code. The pinned ``rfc8785`` package does the work; we only refuse, with
a message saying how to fix it, what JSON cannot carry exactly (NaN, ±∞, integers beyond 2^53,
non-string keys, arbitrary objects).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

import rfc8785

from zhengji.errors import DataError

__all__ = ["canonical"]


def _find_bad(value: Any, path: str) -> str | None:
    """The JSON path of the first value JCS cannot encode, with why (for the error message)."""
    if isinstance(value, float) and not math.isfinite(value):
        return f"{path}: {value!r} (NaN/∞ 不能规范化 cannot be canonicalised; use null or a string)"
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return None
    if isinstance(value, int):
        if abs(value) > 2**53 - 1:
            return f"{path}: integer {value} beyond ±(2^53-1); store it as a string"
        return None
    if isinstance(value, float):
        return None
    if isinstance(value, Mapping):
        for k, v in value.items():
            if not isinstance(k, str):
                return f"{path}: key {k!r} is not a string"
            bad = _find_bad(v, f"{path}.{k}")
            if bad:
                return bad
        return None
    if isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            bad = _find_bad(v, f"{path}[{i}]")
            if bad:
                return bad
        return None
    hint = "; format dates with .isoformat()" if isinstance(value, (dt.date, dt.time)) else ""
    return f"{path}: {type(value).__name__} is not a JSON value{hint}"


def canonical(record: Mapping[str, Any]) -> bytes:
    """RFC 8785 (JCS) bytes of ``record``; raises :class:`DataError` for non-JSON values.

    NaN and infinities are refused (JSON has no such numbers; silently writing ``null`` would
    make two different records hash alike).
    """
    if not isinstance(record, Mapping):
        raise DataError(
            f"账本记录必须是映射 a ledger record must be a mapping (JSON object), "
            f"got {type(record).__name__}"
        )
    try:
        return rfc8785.dumps(record)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        # only now walk the record, to say exactly where the offending value is
        bad = _find_bad(record, "$") or str(exc)
        raise DataError(
            f"记录无法规范化 record cannot be canonicalised (RFC 8785) at {bad}"
        ) from exc
