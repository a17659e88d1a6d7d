"""The assessment engine: pure functions over NumPy arrays, no I/O.

``assess(scheme, panel)`` is the entry point; method families live in ``normalise``,
``weights``, ``aggregate``, ``treat`` and ``impute``, each with a ``METHODS`` registry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zhengji.engine.assess import assess

__all__ = ["assess"]


def __getattr__(name: str) -> Any:
    # Lazy, so importing one method module does not pull in the whole engine.
    if name == "assess":
        from zhengji.engine.assess import assess

        return assess
    raise AttributeError(name)
