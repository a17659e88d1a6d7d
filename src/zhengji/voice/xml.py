"""Open311's XML rendering of the same structures the JSON responses carry.

GeoReport v2 names the list elements (``<services><service>``, ``<service_requests><request>``,
``<errors><error>``, …); values are text, ``null`` becomes an empty element, booleans are
``true``/``false``.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

__all__ = ["to_xml"]

_ITEM = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}


def _value(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return escape(str(v))


def _element(name: str, v: Any, out: list[str]) -> None:
    if isinstance(v, dict):
        out.append(f"<{name}>")
        for k, x in v.items():
            _element(k, x, out)
        out.append(f"</{name}>")
    elif isinstance(v, list):
        out.append(f"<{name}>")
        item = _ITEM.get(name, "item")
        for x in v:
            _element(item, x, out)
        out.append(f"</{name}>")
    else:
        out.append(f"<{name}>{_value(v)}</{name}>")


def to_xml(root: str, value: Any) -> str:
    """``value`` (a list or a dict) as an XML document with root element ``root``."""
    out = ['<?xml version="1.0" encoding="utf-8"?>']
    _element(root, value, out)
    return "".join(out)
