"""Signed notes, checkpoints, cosignatures and proof bundles against the published fixture.

Fixture: tests/data/ledger/checkpoint_fixture (C2SP signed-note v1.0.0 / tlog-checkpoint v1.0.0
checkpoint of the RFC 6962 size-8 test tree, and a c2sp.org/tlog-proof@v1 bundle for leaf 5).
SM2: GB/T 32918.5-2016 Annex A example (tests/data/ledger/gm_vectors.json).
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest

from zhengji.errors import DataError
from zhengji.ledger import merkle, note
from zhengji.ledger.checkpoints import verify_proof

DATA = Path(__file__).resolve().parents[1] / "data" / "ledger"
FIX = DATA / "checkpoint_fixture"
RFC = json.loads((DATA / "rfc6962_vectors_8leaves.json").read_text())
GM = json.loads((DATA / "gm_vectors.json").read_text())


def fixture(name: str) -> str:
    return (FIX / name).read_text(encoding="utf-8")


def test_fixture_keys_parse_and_key_id_follows_the_spec() -> None:
    sk = note.parse_skey(fixture("skey.txt"))
    vk = note.parse_vkey(fixture("vkey.txt"))
    assert sk.verifier == vk
    assert vk.vkey == fixture("vkey.txt").strip()
    assert sk.skey == fixture("skey.txt").strip()
    # key ID = SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4] (signed-note §Ed25519 signatures)
    digest = hashlib.sha256(vk.name.encode() + b"\n\x01" + vk.public).digest()
    assert vk.key_id == int.from_bytes(digest[:4], "big") == 0xD89144B2


def test_fixture_checkpoint_verifies_and_is_reproduced_byte_for_byte() -> None:
    cp_text = fixture("checkpoint.txt")
    vk = note.parse_vkey(fixture("vkey.txt"))
    check = note.verify_note(cp_text, [vk])
    assert check.ok and check.verified == (vk,)
    cp = note.parse_checkpoint(check.text)
    assert cp.origin == "example.gov.cn/lifetime-ledger/test"
    assert cp.size == 8
    assert cp.root_hash.hex() == RFC["roots_hex"]["8"]
    leaves = [bytes.fromhex(x) for x in RFC["leaf_hashes_hex"]]
    assert cp.root_hash == merkle.root(leaves)
    # Ed25519 is deterministic: signing the same body with the fixture key gives the same note
    assert note.sign_note(cp.text, [note.parse_skey(fixture("skey.txt"))]) == cp_text


def test_fixture_proof_bundle_verifies_byte_for_byte() -> None:
    text = fixture("leaf5.tlog-proof")
    bundle = note.parse_proof(text)
    assert bundle.index == 5 and bundle.extra is None
    assert bundle.text == text
    assert bundle.note == fixture("checkpoint.txt")
    leaves = [bytes.fromhex(x) for x in RFC["leaf_hashes_hex"]]
    assert list(bundle.proof) == merkle.inclusion_proof(leaves, 5)
    vk = note.parse_vkey(fixture("vkey.txt"))
    data = bytes.fromhex(fixture("leaf5.bin.hex").strip())
    assert verify_proof(text, [vk], leaf_data=data) == []
    # another leaf's data does not verify at index 5
    assert verify_proof(text, [vk], leaf_data=b"\x40\x41\x42\x44")
    assert note.format_proof(5, bundle.proof, bundle.note) == text


def test_tampered_checkpoint_fails() -> None:
    vk = note.parse_vkey(fixture("vkey.txt"))
    cp_text = fixture("checkpoint.txt")
    forged = cp_text.replace("\n8\n", "\n9\n")
    check = note.verify_note(forged, [vk])
    assert not check.ok and check.failed == (vk,)
    other = note.generate_key("example.gov.cn/lifetime-ledger/test")
    assert not note.verify_note(cp_text, [other.verifier]).ok  # unknown key: ignored, not trusted


def test_sm2_annex_a_vector_through_gmalg() -> None:
    v = GM["SM2_signature"]
    d = bytes.fromhex(v["private_key_d"])
    signer = note._signer("example.gov.cn/gm", "sm2-sm3", d)
    assert signer.public == bytes.fromhex("04" + v["public_key_x"] + v["public_key_y"])
    sig = signer.sign(v["message"].encode(), sm2_k=int(v["k"], 16))
    assert sig.hex().upper() == v["r"] + v["s"]
    assert signer.verifier.verify(v["message"].encode(), sig)
    assert not signer.verifier.verify(b"message digesT", sig)


def test_sm3_annex_a_vectors() -> None:
    for vec in GM["SM3"]["vectors"]:
        assert merkle.sm3(bytes.fromhex(vec["msg_hex"])).hex() == vec["digest"]


def test_sm2_line_uses_type_0xff_and_standard_verifiers_ignore_it() -> None:
    log_key = note.parse_skey(fixture("skey.txt"))
    gm = note.generate_key("example.gov.cn/lifetime-ledger/gm", "sm2-sm3")
    body = note.split_note(fixture("checkpoint.txt"))[0]
    signed = note.sign_note(body, [log_key, gm])
    line = note.split_note(signed)[1][1]
    material = base64.b64decode(gm.verifier.vkey.split("+", 2)[2])
    assert material[0] == 0xFF and material.startswith(note.SM2_SM3)
    assert line.key_id == note.key_id(gm.name, material)
    # a standard verifier knowing only the Ed25519 key: SM2 line is an unknown key, note OK
    plain = note.verify_note(signed, [log_key.verifier])
    assert plain.ok and len(plain.unknown) == 1
    both = note.verify_note(signed, [log_key.verifier, gm.verifier])
    assert both.ok and len(both.verified) == 2
    assert note.parse_skey(gm.skey) == gm and note.parse_vkey(gm.verifier.vkey) == gm.verifier


def test_witness_cosignature_v1_format() -> None:
    w = note.generate_key("audit.example.gov.cn/witness", "cosignature/v1")
    body = note.split_note(fixture("checkpoint.txt"))[0]
    line = note.signature_line(w, body, timestamp=1_700_000_000)
    blob = base64.b64decode(line.split(" ")[2])
    assert len(blob) == 4 + 8 + 64
    assert int.from_bytes(blob[4:12], "big") == 1_700_000_000
    # the signed message is exactly "cosignature/v1\ntime T\n" + checkpoint body
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    msg = b"cosignature/v1\ntime 1700000000\n" + body.encode()
    Ed25519PublicKey.from_public_bytes(w.public).verify(blob[12:], msg)
    cosigned = fixture("checkpoint.txt") + line
    vk = note.parse_vkey(fixture("vkey.txt"))
    assert note.verify_note(cosigned, [vk, w.verifier]).ok
    assert note.key_id(w.name, b"\x04" + w.public) == w.key_id


@pytest.mark.parametrize(
    "bad",
    [
        "no blank line\n— a AAAA\n",
        "text\n\n— name !!notbase64\n",
        "text\n\nnot a signature line\n",
        "text\x07\n\n— a AAAAAAA=\n",
    ],
)
def test_malformed_notes_are_refused(bad: str) -> None:
    with pytest.raises(DataError):
        note.split_note(bad)


def test_malformed_keys_are_refused() -> None:
    with pytest.raises(DataError, match="not a signed-note private key"):
        note.parse_skey("PRIVATE+name+00+AA==")
    vk = fixture("vkey.txt").strip()
    with pytest.raises(DataError, match="does not match"):
        note.parse_vkey(vk.replace("d89144b2", "d89144b3"))
    with pytest.raises(DataError, match="key name"):
        note.generate_key("bad name")
