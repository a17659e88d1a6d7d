"""The scale commands as a user runs them (a real process): import-bulk, export parquet,
derive on DuckDB over the store and over the export."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
from tests.scale.conftest import shifted_rows, write_long

from zhengji.bundle import Bundle
from zhengji.store import Store

# Run the command module's own Typer app, so these tests do not depend on its registration in
# zhengji.cli (the same commands appear there as `zhengji import-bulk` …).
_RUN = "from zhengji.commands.scale import app; app(prog_name='zhengji')"


def scale(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-W", "ignore::DeprecationWarning", "-c", _RUN, *args],
        cwd=cwd,
        env={**os.environ, "COLUMNS": "160"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_import_export_derive(county_bundle: Bundle, tmp_path: Path) -> None:
    b = county_bundle
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    with Store.open(url) as st:
        st.import_bundle(b)
    path = write_long(tmp_path / "obs.csv", shifted_rows(b, 0.5, every=4))
    r = scale("import-bulk", str(path), "--scheme", str(b.source_path / "scheme.toml"),
              "--db", url, "--chunk-rows", "500", cwd=tmp_path)  # fmt: skip
    assert r.returncode == 0, r.stderr
    added = (len(b.observations) + 3) // 4
    assert f"新增 added {added:,}" in r.stdout

    r = scale("export", "parquet", str(tmp_path / "pq"), "--db", url, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert f"{len(b.observations) + added:,} 行 rows" in r.stdout

    out_db, out_pq = tmp_path / "digits-db.csv", tmp_path / "digits-pq.csv"
    r = scale("derive", "digits", "--db", url, "--out", str(out_db), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    r = scale("derive", "digits", "--source", str(tmp_path / "pq"), "--backend", "duckdb",
              "--out", str(out_pq), cwd=tmp_path)  # fmt: skip
    assert r.returncode == 0, r.stderr
    a, c = pd.read_csv(out_db), pd.read_csv(out_pq)
    assert len(a) > 100
    pd.testing.assert_frame_equal(a, c)


def test_bad_file_exit_code(county_bundle: Bundle, tmp_path: Path) -> None:
    b = county_bundle
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    with Store.open(url) as st:
        st.import_bundle(b)
    rows = shifted_rows(b, 1.0)
    rows[1] = ("ghost", *rows[1][1:])
    path = write_long(tmp_path / "bad.csv", rows)
    r = scale("import-bulk", str(path), "--scheme", str(b.source_path / "scheme.toml"),
              "--db", url, cwd=tmp_path)  # fmt: skip
    assert r.returncode == 2
    assert "bad.csv" in r.stderr and "row 3" in r.stderr and "unit_id" in r.stderr
    r = scale("derive", "panel", "--db", url, "--backend", "spark", cwd=tmp_path)
    assert r.returncode == 2 and "Parquet" in r.stderr
