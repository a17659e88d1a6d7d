"""``zhengji ledger …`` end to end in process: keys, checkpoints (with SM2), witness, proofs,
export and offline verification, and the private key never reaching the database."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from zhengji.cli import app
from zhengji.ledger import note
from zhengji.store import Store

from .records_table import DDL, add

ORIGIN = "example.gov.cn/lifetime-ledger"


def run(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})
    assert result.exit_code == code, (result.output, result.exception)
    return result.output


@pytest.fixture
def world(tmp_path: Path) -> tuple[str, Path]:
    url = f"sqlite:///{tmp_path / 'z.db'}"
    run("ledger", "init", "--origin", ORIGIN, "--db", url)
    with Store.open(url) as st, st.transaction() as s:
        from sqlalchemy import text

        s.execute(text(DDL))
        for n in range(11):
            add(s, n, f"记录 {n}")
    keys = tmp_path / "keys"
    keys.mkdir()
    run("ledger", "keygen", "--name", ORIGIN, "--out", str(keys / "log"))
    run(
        "ledger",
        "keygen",
        "--name",
        f"{ORIGIN}/sm2",
        "--algorithm",
        "sm2-sm3",
        "--out",
        str(keys / "gm"),
    )
    run(
        "ledger",
        "keygen",
        "--name",
        "audit.example.gov.cn/witness",
        "--algorithm",
        "cosignature/v1",
        "--out",
        str(keys / "witness"),
    )
    return url, keys


def test_full_audit_cycle(world: tuple[str, Path], tmp_path: Path) -> None:
    url, keys = world
    assert stat.S_IMODE((keys / "log.skey").stat().st_mode) == 0o600
    out = run(
        "ledger",
        "checkpoint",
        "--key",
        str(keys / "log.skey"),
        "--sm2-key",
        str(keys / "gm.skey"),
        "--db",
        url,
    )
    assert f"\n{ORIGIN}\n11\n" in out  # stderr (status line) and stdout are mixed here
    run(
        "ledger",
        "cosign",
        "--key",
        str(keys / "witness.skey"),
        "--log-vkey",
        str(keys / "log.vkey"),
        "--db",
        url,
    )
    vkeys = [
        "--vkey",
        str(keys / "log.vkey"),
        "--vkey",
        str(keys / "gm.vkey"),
        "--vkey",
        str(keys / "witness.vkey"),
    ]
    out = run("ledger", "verify", *vkeys, "--db", url)
    assert "通过 OK" in out and "11" in out

    proof = tmp_path / "e4.tlog-proof"
    run("ledger", "prove", "4", "--out", str(proof), "--db", url)
    bundle = note.parse_proof(proof.read_text())
    assert bundle.index == 4 and bundle.extra is not None
    assert (
        len(
            note.verify_note(
                bundle.note, [note.parse_vkey((keys / "witness.vkey").read_text())]
            ).verified
        )
        == 1
    )
    rec = tmp_path / "r.json"
    rec.write_text(json.dumps({"n": 4, "body": "记录 4"}, ensure_ascii=False))
    assert "proof verifies" in run(
        "ledger",
        "verify",
        "--proof",
        str(proof),
        "--vkey",
        str(keys / "log.vkey"),
        "--record",
        str(rec),
    )
    rec.write_text(json.dumps({"n": 4, "body": "记录 5"}, ensure_ascii=False))
    run(
        "ledger",
        "verify",
        "--proof",
        str(proof),
        "--vkey",
        str(keys / "log.vkey"),
        "--record",
        str(rec),
        code=1,
    )

    export = tmp_path / "export"
    run("ledger", "export", str(export), "--db", url)
    assert (export / "leaves.csv").read_text().count("\n") == 12
    assert "通过 OK" in run("ledger", "verify", "--export", str(export), *vkeys)
    # the export verifies with no database at all, and a one-character edit is found
    csv_text = (export / "leaves.csv").read_text().splitlines()
    row = csv_text[3].split(",")
    row[2] = ("0" if row[2][0] != "0" else "1") + row[2][1:]
    csv_text[3] = ",".join(row)
    (export / "leaves.csv").write_text("\n".join(csv_text) + "\n")
    out = run("ledger", "verify", "--export", str(export), *vkeys, code=1)
    assert "first bad index: 2" in out

    # the private keys are in their files only, never in the database
    db_bytes = Path(url.removeprefix("sqlite:///")).read_bytes()
    wal = Path(url.removeprefix("sqlite:///") + "-wal")
    if wal.exists():
        db_bytes += wal.read_bytes()
    for name in ("log", "gm", "witness"):
        secret = (keys / f"{name}.skey").read_text().strip().split("+", 4)[4]
        assert secret.encode() not in db_bytes
        assert (keys / f"{name}.vkey").read_text().strip().encode() in db_bytes


def test_checkpoint_refuses_a_key_not_named_after_the_origin(world: tuple[str, Path]) -> None:
    url, keys = world
    run("ledger", "keygen", "--name", "someone.else/log", "--out", str(keys / "other"))
    out = run("ledger", "checkpoint", "--key", str(keys / "other.skey"), "--db", url, code=2)
    assert "must equal the ledger origin" in out


def test_witness_refuses_a_checkpoint_the_log_key_did_not_sign(world: tuple[str, Path]) -> None:
    url, keys = world
    run("ledger", "checkpoint", "--key", str(keys / "log.skey"), "--db", url)
    out = run(
        "ledger",
        "cosign",
        "--key",
        str(keys / "witness.skey"),
        "--log-vkey",
        str(keys / "gm.vkey"),
        "--db",
        url,
        code=2,
    )
    assert "not validly signed" in out


def test_keygen_never_overwrites(world: tuple[str, Path]) -> None:
    _, keys = world
    out = run("ledger", "keygen", "--name", ORIGIN, "--out", str(keys / "log"), code=2)
    assert "refusing to overwrite" in out


def test_prove_without_checkpoint_says_what_to_do(world: tuple[str, Path]) -> None:
    url, _ = world
    out = run("ledger", "prove", "3", "--db", url, code=2)
    assert "zhengji ledger checkpoint" in out
