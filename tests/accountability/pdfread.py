"""Just enough PDF reading to check a dossier: which fonts are embedded, and its text.

No PDF reader is pinned in the project; WeasyPrint writes compressed object streams, Type0
fonts with ToUnicode CMaps and hex-string text, so a small reader suffices: inflate every
stream, resolve objects (plain and inside object streams), map each font resource (WeasyPrint
names it by its subset tag) to its CMap, and decode the ``TJ``/``Tj`` strings of every page.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass


@dataclass(frozen=True)
class PdfFont:
    base_font: str
    embedded: bool  # has a FontFile / FontFile2 / FontFile3 in its descriptor


def _objects(data: bytes) -> dict[int, bytes]:
    objs: dict[int, bytes] = {}
    for m in re.finditer(rb"(\d+) 0 obj(.*?)endobj", data, re.S):
        objs[int(m.group(1))] = m.group(2)
    for body in list(objs.values()):
        if b"/ObjStm" not in body:
            continue
        head = re.search(rb"/First (\d+)", body)
        raw = _stream(body)
        if head is None or raw is None:
            continue
        first = int(head.group(1))
        nums = [int(x) for x in raw[:first].split()]
        pairs = list(zip(nums[::2], nums[1::2], strict=True))
        for k, (num, off) in enumerate(pairs):
            end = first + pairs[k + 1][1] if k + 1 < len(pairs) else len(raw)
            objs[num] = raw[first + off : end]
    return objs


def _stream(body: bytes) -> bytes | None:
    m = re.search(rb"stream\r?\n", body)
    if m is None:
        return None
    raw = body[m.end() : body.rfind(b"endstream")]
    if b"/FlateDecode" in body[: m.start()]:
        return zlib.decompress(raw)
    return raw


def _ref(body: bytes, key: bytes) -> int | None:
    m = re.search(rb"/" + key + rb"\s+(\d+) 0 R", body)
    return int(m.group(1)) if m else None


def fonts(data: bytes) -> list[PdfFont]:
    objs = _objects(data)
    out = []
    for body in objs.values():
        m = re.search(rb"/FontName\s*/([^\s/>]+)", body)
        if m is None or b"/FontDescriptor" not in body:
            continue
        embedded = any(_ref(body, k) is not None for k in (b"FontFile", b"FontFile2", b"FontFile3"))
        out.append(PdfFont(m.group(1).decode(), embedded))
    return out


def _cmap(text: bytes) -> dict[int, str]:
    out: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", text, re.S):
        for src, dst in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            out[int(src, 16)] = bytes.fromhex(dst.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", text, re.S):
        for a, b, dst in re.findall(
            rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block
        ):
            start = int(dst, 16)
            for i, code in enumerate(range(int(a, 16), int(b, 16) + 1)):
                out[code] = chr(start + i)
    return out


def text(data: bytes) -> str:
    """The text of every page, in content-stream order (runs joined without spaces)."""
    objs = _objects(data)
    maps: dict[str, dict[int, str]] = {}
    for body in objs.values():
        base = re.search(rb"/BaseFont\s*/([A-Z]{6})\+", body)
        ref = _ref(body, b"ToUnicode")
        if base and ref is not None and ref in objs:
            cmap = _stream(objs[ref])
            if cmap is not None:
                maps[base.group(1).decode()] = _cmap(cmap)
    out: list[str] = []
    for body in objs.values():
        if b"/Length" not in body or b"stream" not in body:
            continue
        try:
            content = _stream(body)
        except zlib.error:
            continue
        if content is None or b" Tf" not in content:
            continue
        current: dict[int, str] = {}
        for tok in re.finditer(
            rb"/([A-Za-z0-9]+) [\d.]+ Tf|\[(.*?)\]\s*TJ|<([0-9a-fA-F]*)>\s*Tj", content, re.S
        ):
            if tok.group(1) is not None:
                current = maps.get(tok.group(1).decode(), {})
                continue
            chunk = tok.group(2) if tok.group(2) is not None else b"<" + tok.group(3) + b">"
            for hexs in re.findall(rb"<([0-9a-fA-F]+)>", chunk):
                for i in range(0, len(hexs), 4):
                    out.append(current.get(int(hexs[i : i + 4], 16), "\ufffd"))
        out.append("\n")
    return "".join(out)
