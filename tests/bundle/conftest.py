"""Tiny hand-written bundles for the loader tests, built in ``tmp_path``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from .samples import OBSERVATIONS, SCHEME, UNITS

MakeBundle = Callable[..., Path]


@pytest.fixture
def make_bundle(tmp_path: Path) -> MakeBundle:
    """Write a CSV bundle; pass text to replace a file, ``None`` to leave it out."""
    counter = iter(range(1000))

    def make(
        units: str | None = UNITS,
        observations: str | None = OBSERVATIONS,
        scheme: str | None = SCHEME,
        vetoes: str | None = None,
        bom: bool = False,
    ) -> Path:
        d = tmp_path / f"bundle{next(counter)}"
        d.mkdir()
        enc = "utf-8-sig" if bom else "utf-8"
        for name, text in (
            ("units.csv", units),
            ("observations.csv", observations),
            ("vetoes.csv", vetoes),
        ):
            if text is not None:
                (d / name).write_text(text, encoding=enc)
        if scheme is not None:
            (d / "scheme.toml").write_text(scheme, encoding="utf-8")
        return d

    return make
