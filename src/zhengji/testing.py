"""Assertion helpers for tests that compare zhengji with numbers someone else published."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["assert_printed", "load_json"]


def assert_printed(actual: ArrayLike, expected: ArrayLike, decimals: int, msg: str = "") -> None:
    """Assert ``actual`` agrees with values printed to ``decimals`` places.

    A printed value is exact only to half a unit in its last place, so the tolerance is
    ``0.5 · 10^-decimals`` (plus float slack), never tighter than what the source shows.
    """
    atol = 0.5 * 10.0 ** (-decimals) + 1e-12
    np.testing.assert_allclose(
        np.asarray(actual, dtype=np.float64),
        np.asarray(expected, dtype=np.float64),
        rtol=0.0,
        atol=atol,
        err_msg=msg,
    )


def load_json(path: str | Path) -> Any:
    """Read a UTF-8 JSON reference file."""
    return json.loads(Path(path).read_text(encoding="utf-8"))
