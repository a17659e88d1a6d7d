"""Commands of the ledger: keys, checkpoints, witness cosignatures, proofs, verification, export.

Thin shell over ``zhengji.ledger``: each command opens the store, runs one transaction, prints.
``verify`` exits 1 when it finds any problem (2 for errors such as a missing file).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from zhengji.commands import console, err_console, friendly

if TYPE_CHECKING:
    from zhengji.ledger.note import Verifier

__all__ = ["app"]

app = typer.Typer(
    help="账本 Tamper-evident ledger: verify, prove, checkpoint, export.", no_args_is_help=True
)

Db = Annotated[str | None, typer.Option(help="数据库 database URL (ZHENGJI_DATABASE_URL)")]


def _read_key_file(path: Path) -> str:
    return path.read_text(encoding="utf-8").strip()


@app.command()
@friendly
def init(
    suite: Annotated[str, typer.Option(help="哈希算法 hash suite: sha256 | sm3")] = "sha256",
    origin: Annotated[
        str, typer.Option(help="检查点来源名 checkpoint origin, e.g. example.gov.cn/ledger")
    ] = "zhengji.local/ledger",
    db: Db = None,
) -> None:
    """创建账本 Fix the hash suite and origin of a new ledger (before the first entry)."""
    from zhengji.ledger.log import create_ledger
    from zhengji.store import Store

    with Store.open(db) as st, st.transaction() as s:
        meta = create_ledger(s, suite, origin)
    console.print(
        f"账本 ledger: origin {meta.origin}, hash {meta.hash_suite}, {meta.size} 条 entries"
    )


@app.command()
@friendly
def keygen(
    name: Annotated[str, typer.Option(help="密钥名 key name (the log key: the ledger origin)")],
    out: Annotated[Path, typer.Option(help="输出前缀 writes OUT.skey (private) and OUT.vkey")],
    algorithm: Annotated[
        str, typer.Option(help="算法 ed25519 (log) | cosignature/v1 (witness) | sm2-sm3 (国密)")
    ] = "ed25519",
) -> None:
    """生成签名密钥 Make a signed-note key pair; the private key file never enters the database."""
    from zhengji.errors import DataError
    from zhengji.ledger.note import generate_key

    skey, vkey = out.with_suffix(".skey"), out.with_suffix(".vkey")
    for p in (skey, vkey):
        if p.exists():
            raise DataError(f"文件已存在 {p} exists; refusing to overwrite a key")
    key = generate_key(name, algorithm)
    fd = os.open(skey, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(key.skey + "\n")
    vkey.write_text(key.verifier.vkey + "\n", encoding="utf-8")
    console.print(f"私钥 private key (保密 keep secret, 0600): {skey}")
    console.print(f"公钥 public key: {vkey}\n{key.verifier.vkey}", highlight=False)


@app.command()
@friendly
def status(db: Db = None) -> None:
    """账本概况 Hash suite, origin, size, current root and the latest checkpoint."""
    import base64

    from zhengji.ledger.checkpoints import checkpoints
    from zhengji.ledger.log import info
    from zhengji.ledger.tree import root_at
    from zhengji.store import Store

    with Store.open(db) as st, st.transaction() as s:
        meta = info(s)
        root = root_at(s)
        cps = checkpoints(s)
    console.print(
        f"来源 origin: {meta.origin}\n哈希 hash suite: {meta.hash_suite}\n"
        f"条目 entries: {meta.size}\n根 root: {base64.b64encode(root).decode()}",
        highlight=False,
    )
    if cps:
        last = cps[-1]
        console.print(
            f"最新检查点 latest checkpoint: {last.id} (size {last.size}, {last.created_at})"
        )
    else:
        console.print("尚无检查点 no checkpoint yet")


@app.command()
@friendly
def checkpoint(
    key: Annotated[Path, typer.Option(help="日志私钥文件 log private key file (.skey, Ed25519)")],
    sm2_key: Annotated[
        Path | None, typer.Option(help="国密私钥文件 optional SM2 key file for a second line")
    ] = None,
    db: Db = None,
) -> None:
    """签发检查点 Sign the current size and root (consistent with the last checkpoint), store it."""
    from zhengji.ledger.checkpoints import sign_checkpoint
    from zhengji.ledger.note import parse_skey
    from zhengji.store import Store

    signers = [parse_skey(_read_key_file(key))]
    if sm2_key is not None:
        signers.append(parse_skey(_read_key_file(sm2_key)))
    with Store.open(db) as st, st.transaction() as s:
        cp = sign_checkpoint(s, signers)
    err_console.print(f"检查点 checkpoint {cp.id} stored (size {cp.size})")
    console.print(cp.note, end="", highlight=False, markup=False)


@app.command()
@friendly
def cosign(
    key: Annotated[Path, typer.Option(help="见证私钥文件 witness key file (cosignature/v1)")],
    log_vkey: Annotated[
        list[Path], typer.Option(help="日志公钥文件 the log's public key file(s) you trust")
    ],
    checkpoint_id: Annotated[
        int | None, typer.Option("--checkpoint", help="检查点编号 checkpoint id (default latest)")
    ] = None,
    db: Db = None,
) -> None:
    """见证联署 A witness (纪检/审计) checks a checkpoint and adds its cosignature."""
    from zhengji.ledger.checkpoints import cosign as do_cosign
    from zhengji.ledger.note import parse_skey, parse_vkey
    from zhengji.store import Store

    witness = parse_skey(_read_key_file(key))
    keys = [parse_vkey(_read_key_file(p)) for p in log_vkey]
    with Store.open(db) as st, st.transaction() as s:
        line = do_cosign(s, witness, keys, checkpoint_id)
    console.print(line, end="", highlight=False, markup=False)


@app.command()
@friendly
def prove(
    index: Annotated[int, typer.Argument(help="条目序号 entry index")],
    checkpoint_id: Annotated[
        int | None, typer.Option("--checkpoint", help="检查点编号 checkpoint id (default latest)")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="输出文件 output .tlog-proof file")] = None,
    db: Db = None,
) -> None:
    """包含证明 A c2sp.org/tlog-proof@v1 bundle for one entry against a signed checkpoint."""
    from zhengji.ledger.checkpoints import prove as do_prove
    from zhengji.store import Store

    with Store.open(db) as st, st.transaction() as s:
        bundle = do_prove(s, index, checkpoint_id)
    if out is not None:
        out.write_text(bundle, encoding="utf-8")
        console.print(f"已写出 written: {out}")
    else:
        console.print(bundle, end="", highlight=False, markup=False)


@app.command()
@friendly
def export(
    out: Annotated[Path, typer.Argument(help="导出目录 output directory")],
    with_records: Annotated[
        bool, typer.Option(help="含记录（个人信息，限有权审计者） include records (personal data)")
    ] = False,
    db: Db = None,
) -> None:
    """离线导出 Everything an outside auditor needs to verify without the database."""
    from zhengji.ledger.export import export_ledger
    from zhengji.store import Store

    with Store.open(db) as st, st.transaction() as s:
        export_ledger(s, out, with_records=with_records)
    console.print(f"已导出 exported: {out}")


@app.command()
@friendly
def verify(
    vkey: Annotated[
        list[Path] | None,
        typer.Option(help="可信公钥文件 trusted public key file(s); default: keys in the database"),
    ] = None,
    export_dir: Annotated[
        Path | None, typer.Option("--export", help="核验离线导出 verify an export, no database")
    ] = None,
    proof: Annotated[
        Path | None, typer.Option(help="核验证明文件 verify one .tlog-proof bundle instead")
    ] = None,
    record: Annotated[
        Path | None, typer.Option(help="与证明一起核验的记录 JSON record to check with --proof")
    ] = None,
    suite: Annotated[str, typer.Option(help="证明的哈希算法 hash suite of --proof")] = "sha256",
    db: Db = None,
) -> None:
    """全面核验 Recompute every leaf, record, node, checkpoint, signature; exit 1 on a problem."""
    from zhengji.ledger.note import parse_vkey

    trusted = [parse_vkey(_read_key_file(p)) for p in vkey] if vkey else None
    if proof is not None:
        _verify_proof(proof, trusted or [], record, suite)
        return
    if export_dir is not None:
        from zhengji.ledger.export import verify_export

        report = verify_export(export_dir, trusted)
    else:
        from zhengji.ledger.verify import verify_ledger
        from zhengji.store import Store

        with Store.open(db) as st, st.transaction() as s:
            report = verify_ledger(s, trusted)
    table = Table(title=f"账本核验 Ledger verification · {escape(report.origin)}")
    table.add_column("项目 item")
    table.add_column("数量 count", justify="right")
    for label, value in (
        ("条目 entries (leaves recomputed)", report.leaves_checked),
        ("记录 records checked", report.records_checked),
        ("记录已删除或无载入器 records erased / not loadable", report.records_absent),
        ("节点 nodes recomputed", report.nodes_checked),
        ("检查点 checkpoints", report.checkpoints_checked),
        ("有效签名 valid signatures", report.signatures_verified),
    ):
        table.add_row(label, str(value))
    console.print(table)
    if report.keys_from_database:
        err_console.print(
            "[yellow]注意 note:[/] 使用了数据库中的公钥；独立审计请用 --vkey 提供可信公钥 "
            "keys were taken from the database; for an independent audit pass --vkey"
        )
    if report.ok:
        console.print(f"[green]通过 OK[/]: {report.size} 条 entries, hash {report.hash_suite}")
        return
    first = report.first_bad_index
    err_console.print(
        f"[bold red]发现 {report.problem_count} 个问题 {report.problem_count} problem(s) found[/]"
        + (f"; 首个异常条目 first bad index: {first}" if first is not None else "")
    )
    for p in report.problems[:50]:
        err_console.print(f"  • {escape(str(p))}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


def _verify_proof(path: Path, trusted: list[Verifier], record: Path | None, suite: str) -> None:
    from zhengji.errors import DataError
    from zhengji.ledger.checkpoints import verify_proof

    if not trusted:
        raise DataError(
            "核验证明需要可信公钥 verifying a proof needs --vkey (the log's public key)"
        )
    rec = json.loads(record.read_text(encoding="utf-8")) if record is not None else None
    problems = verify_proof(path.read_text(encoding="utf-8"), trusted, hash_suite=suite, record=rec)
    if problems:
        for p in problems:
            err_console.print(f"  • {escape(p)}", highlight=False)
        raise typer.Exit(1)
    console.print("[green]证明有效 proof verifies[/]")
