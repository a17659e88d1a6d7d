"""Records ↔ JSON objects: the exact dict that is stored and committed to the ledger.

Dates become ISO strings, tuples lists, nested values objects; no names of people ever (only
``person_id``). Decoding is driven by the dataclass field annotations, so a new field needs
no new code here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Any

from zhengji.accountability import model
from zhengji.accountability.tolerance import Criteria

__all__ = ["KINDS", "code_of", "decode", "encode", "kind_of"]

#: record kind → dataclass
KINDS: Mapping[str, type[Any]] = {
    "tenure": model.Tenure,
    "decision": model.Decision,
    "project": model.Project,
    "responsibility": model.Responsibility,
    "milestone": model.Milestone,
    "acceptance": model.Acceptance,
    "outcome": model.Outcome,
    "audit": model.Audit,
    "case": model.Case,
    "ruling": model.Ruling,
}
_NESTED: Mapping[str, type[Any]] = {
    "Dissent": model.Dissent,
    "Signoff": model.Signoff,
    "Criteria": Criteria,
}


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def encode(obj: Any) -> dict[str, Any]:
    """The JSON object of a record (a dataclass of :data:`KINDS`)."""
    out = _plain(obj)
    assert isinstance(out, dict)
    return out


def _value(annotation: str, raw: Any) -> Any:
    ann = annotation.replace(" ", "")
    if raw is None:
        return None
    if ann.startswith("dt.date"):
        return dt.date.fromisoformat(raw)
    if ann.startswith("tuple["):
        inner = ann[len("tuple[") : -len(",...]")]
        cls = _NESTED.get(inner)
        return tuple(cls(**_decode_fields(cls, x)) if cls else x for x in raw)
    if ann in _NESTED:
        cls = _NESTED[ann]
        return cls(**_decode_fields(cls, raw))
    if ann.startswith("Mapping["):
        return dict(raw)
    if ann.startswith("float"):
        return float(raw)
    return raw


def _decode_fields(cls: type[Any], data: Mapping[str, Any]) -> dict[str, Any]:
    hints = {f.name: str(f.type) for f in dataclasses.fields(cls)}
    return {k: _value(hints[k], v) for k, v in data.items() if k in hints}


def decode(kind: str, data: Mapping[str, Any]) -> Any:
    """The dataclass of ``kind`` from its JSON object."""
    cls = KINDS[kind]
    return cls(**_decode_fields(cls, data))


def code_of(obj: Any) -> str:
    """The record's key: its ``code``, or for the dependent kinds the natural key (a second
    record with the same key is a correction of the first: e.g. a new ruling on a case)."""
    if isinstance(obj, model.Responsibility):
        return f"{obj.project_code}/{obj.person_id}/{obj.role}"
    if isinstance(obj, model.Milestone):
        return f"{obj.project_code}/{obj.name}"
    if isinstance(obj, model.Acceptance):
        return f"{obj.project_code}/acceptance"
    if isinstance(obj, model.Ruling):
        return obj.case_code
    return str(obj.code)


def kind_of(obj: Any) -> str:
    for kind, cls in KINDS.items():
        if type(obj) is cls:
            return kind
    raise TypeError(f"not an accountability record: {type(obj).__name__}")
