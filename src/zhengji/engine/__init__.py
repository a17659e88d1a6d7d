"""The assessment engine: pure functions over NumPy arrays, no I/O.

``assess(scheme, panel)`` is the entry point; method families live in ``normalise``,
``weights``, ``aggregate``, ``treat`` and ``impute``, each with a ``METHODS`` registry.
"""

from __future__ import annotations

from zhengji.engine.assess import assess

__all__ = ["assess"]
