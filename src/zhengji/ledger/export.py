"""An offline bundle for an outside auditor, and its verification without any database.

Layout of an export directory (all UTF-8 text; described again in its README.md):

* ``ledger.json``: format name, hash suite, origin, size, export time;
* ``leaves.csv``: ``index,kind,record_digest,leaf_hash`` (hex), one row per leaf in order;
* ``checkpoints/NNNNNN.checkpoint``: each stored signed note with its witness lines;
* ``keys/*.vkey``: the public keys recorded in the database (an auditor should compare them
  with copies obtained independently, e.g. on paper from the signing department);
* ``records.jsonl`` (only with ``with_records``): ``{"kind", "index", "record"}`` per record
  still present — personal data, so only for entitled auditors.

:func:`verify_export` rebuilds the tree from ``leaves.csv`` and runs the same checks as the
database verification (:func:`zhengji.ledger.verify.verify_log`), minus stored nodes.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator, Sequence
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from zhengji.errors import DataError
from zhengji.ledger import note as notes
from zhengji.ledger.checkpoints import StoredCheckpoint, checkpoints
from zhengji.ledger.log import info
from zhengji.ledger.records import load_providers, loaders
from zhengji.ledger.verify import Report, verify_log
from zhengji.store.schema_ledger import LedgerKeyRow

__all__ = ["EXPORT_FORMAT", "export_ledger", "verify_export"]

EXPORT_FORMAT = "zhengji-ledger-export/v1"

_README = """# 账本导出 Ledger export ({origin})

格式 format: {fmt}; 哈希 hash suite: {suite}; 条目 entries: {size}.

* leaves.csv — index, kind, record_digest (hex), leaf_hash (hex). Leaf data v1 =
  0x01 ‖ len(kind) ‖ kind (ASCII) ‖ record_digest (32 bytes); leaf hash = H(0x00 ‖ leaf data),
  nodes H(0x01 ‖ left ‖ right) as RFC 9162 §2.1 (H = {suite}).
* checkpoints/*.checkpoint — C2SP signed notes (tlog-checkpoint v1.0.0; Ed25519 log key,
  optional SM2 line of type 0xff, witness lines tlog-cosignature/v1).
* keys/*.vkey — public keys as recorded in the database; compare with copies you trust.
* records.jsonl — present only if exported with records (personal data).

核验 verify offline: `zhengji ledger verify --export THIS_DIR --vkey LOG.vkey [--vkey WITNESS.vkey]`
"""


def export_ledger(session: Session, out: Path, *, with_records: bool = False) -> Path:
    """Write everything an outside auditor needs to ``out`` (created; must not hold an export)."""
    meta = info(session)
    if (out / "ledger.json").exists():
        raise DataError(
            f"导出目录已有导出 {out} already holds an export; choose an empty directory"
        )
    (out / "checkpoints").mkdir(parents=True, exist_ok=True)
    (out / "keys").mkdir(exist_ok=True)
    with (out / "leaves.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["index", "kind", "record_digest", "leaf_hash"])
        rows = (
            session.connection()
            .execution_options(yield_per=50_000)
            .execute(
                text("SELECT idx, kind, record_digest, leaf_hash FROM ledger_leaves ORDER BY idx")
            )
        )
        for idx, kind, digest, lh in rows:
            w.writerow([idx, kind, bytes(digest).hex(), bytes(lh).hex()])
    for cp in checkpoints(session):
        (out / "checkpoints" / f"{cp.id:06d}.checkpoint").write_text(cp.note, encoding="utf-8")
    for key in session.query(LedgerKeyRow).order_by(LedgerKeyRow.id):
        (out / "keys" / f"{key.role}-{key.id:03d}.vkey").write_text(
            key.vkey + "\n", encoding="utf-8"
        )
    if with_records:
        load_providers()
        with (out / "records.jsonl").open("w", encoding="utf-8") as f:
            for kind, loader in sorted(loaders().items()):
                for idx, rec in loader(session):
                    line = {"kind": kind, "index": idx, "record": rec}
                    f.write(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")
    manifest = {
        "format": EXPORT_FORMAT,
        "hash_suite": meta.hash_suite,
        "origin": meta.origin,
        "size": meta.size,
        "exported_at": dt.datetime.now(dt.UTC).isoformat(),
        "with_records": with_records,
    }
    (out / "ledger.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    (out / "README.md").write_text(
        _README.format(
            origin=meta.origin, fmt=EXPORT_FORMAT, suite=meta.hash_suite, size=meta.size
        ),
        encoding="utf-8",
    )
    return out


def _leaves(path: Path) -> Iterator[tuple[int, str, bytes, bytes]]:
    with path.open(encoding="utf-8", newline="") as f:
        r = csv.reader(f)
        header = next(r, None)
        if header != ["index", "kind", "record_digest", "leaf_hash"]:
            raise DataError(f"导出文件格式无效 {path}: unexpected header {header}")
        for line_no, row in enumerate(r, start=2):
            try:
                yield int(row[0]), row[1], bytes.fromhex(row[2]), bytes.fromhex(row[3])
            except (ValueError, IndexError):
                raise DataError(
                    f"导出文件格式无效 {path}, 第{line_no}行 row {line_no}: {row}"
                ) from None


def verify_export(directory: Path, trusted: Sequence[notes.Verifier] | None = None) -> Report:
    """Verify an export offline (no database): leaves, tree, checkpoints, signatures, records."""
    try:
        manifest = json.loads((directory / "ledger.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(f"不是账本导出目录 {directory} has no ledger.json") from None
    if manifest.get("format") != EXPORT_FORMAT:
        raise DataError(f"导出格式不支持 unsupported export format {manifest.get('format')!r}")
    cps: list[StoredCheckpoint] = []
    for i, path in enumerate(sorted((directory / "checkpoints").glob("*.checkpoint"))):
        note = path.read_text(encoding="utf-8")
        try:
            body = notes.parse_checkpoint(notes.split_note(note)[0])
            size, root = body.size, body.root_hash
        except DataError:
            size, root = -1, b""
        cps.append(
            StoredCheckpoint(
                int(path.stem) if path.stem.isdigit() else i,
                size,
                root,
                note,
                dt.datetime.now(dt.UTC),
            )
        )
    keys = (
        list(trusted)
        if trusted is not None
        else [
            notes.parse_vkey(p.read_text(encoding="utf-8"))
            for p in sorted((directory / "keys").glob("*.vkey"))
        ]
    )
    records = []
    rec_path = directory / "records.jsonl"
    if rec_path.exists():
        for line in rec_path.read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            records.append((str(item["kind"]), int(item["index"]), item["record"]))
    report = verify_log(
        str(manifest["hash_suite"]),
        str(manifest["origin"]),
        _leaves(directory / "leaves.csv"),
        cps,
        keys,
        records=records,
        keys_from_database=trusted is None,
    )
    if report.size != manifest.get("size"):
        report.add(
            min(report.size, int(manifest.get("size") or 0)),
            "导出条目数与清单不符",
            f"leaves.csv has {report.size} entries, ledger.json says {manifest.get('size')}",
        )
    return report
