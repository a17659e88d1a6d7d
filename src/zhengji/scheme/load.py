"""Read, check and write scheme files. Every problem names its key path and what is allowed."""

from __future__ import annotations

import hashlib
import json
import tomllib
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import ValidationError

from zhengji.errors import MethodError, SchemeError
from zhengji.scheme.model import CROSS_CHECK_SEPARATOR, Scheme

__all__ = ["check_consistency", "dump_scheme", "load_scheme", "parse_scheme", "scheme_fingerprint"]


def load_scheme(path: str | Path) -> Scheme:
    """Load and fully validate a scheme TOML file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SchemeError(f"方案文件不存在 scheme file not found: {p}") from None
    except UnicodeDecodeError as exc:
        raise SchemeError(
            f"{p}: 文件不是 UTF-8 编码 not UTF-8 text ({exc}); 请用记事本等另存为 UTF-8 "
            "save the file as UTF-8"
        ) from None
    return parse_scheme(text, source=str(p))


def parse_scheme(text: str, source: str = "<scheme>") -> Scheme:
    """Validate scheme TOML text; ``source`` names the file in messages."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SchemeError(f"{source}: TOML 语法错误 syntax error: {exc}") from None
    return scheme_from_dict(raw, source)


def scheme_from_dict(raw: dict[str, Any], source: str = "<scheme>") -> Scheme:
    """Validate an already-parsed mapping (the ``[scheme]`` table is flattened in)."""
    data = dict(raw)
    head = data.pop("scheme", None)
    if isinstance(head, dict):
        data = {**head, **data}
    try:
        scheme = Scheme.model_validate(data)
    except ValidationError as exc:
        problems: list[tuple[str, str]] = []
        for err in exc.errors():
            msg = _message(err)
            if CROSS_CHECK_SEPARATOR in msg:  # cross-field rules name their own key paths
                for line in msg.splitlines():
                    path, _, text = line.partition(CROSS_CHECK_SEPARATOR)
                    problems.append((path, text))
            else:
                problems.append((_key_path(err["loc"], data), msg))
        raise SchemeError(f"{source}: 考核方案无效 invalid scheme", problems) from None
    check_consistency(scheme, source)
    return scheme


def check_consistency(scheme: Scheme, source: str = "<scheme>") -> None:
    """AHP matrices must be consistent enough: CR ≥ max_cr is an error that reports the CR."""
    from zhengji.engine.weights import ahp_matrix, ahp_weights

    problems: list[tuple[str, str]] = []
    for node_id in scheme.node_ids():
        node = scheme.node(node_id)
        spec = node.weighting.ahp
        if spec is None:
            continue
        order = spec.order or [c.id for c in scheme.children(node.id)]
        key = f"{'index' if node is scheme.index else 'pillars'}({node.id}).weighting.ahp"
        try:
            matrix = ahp_matrix(order, matrix=spec.matrix, pairs=spec.pairs)
            res = ahp_weights(matrix, random_index=spec.random_index)
        except MethodError as exc:
            problems.append((key, str(exc)))
            continue
        if res.cr >= spec.max_cr:
            problems.append(
                (
                    key,
                    f"一致性比率 consistency ratio CR = {res.cr:.4f} ≥ {spec.max_cr} "
                    f"(λmax = {res.lambda_max:.4f}, RI table '{spec.random_index}'); "
                    "revise the pairwise judgements",
                )
            )
    if problems:
        raise SchemeError(f"{source}: 考核方案无效 invalid scheme", problems)


def dump_scheme(scheme: Scheme) -> str:
    """Write a scheme back to TOML; ``parse_scheme(dump_scheme(s)) == s``."""
    data = scheme.model_dump(mode="json", exclude_none=True)
    data["aggregation"]["levels"] = {str(k): v for k, v in data["aggregation"]["levels"].items()}
    return tomli_w.dumps(data)


def scheme_fingerprint(scheme: Scheme) -> str:
    """SHA-256 of the canonical JSON form: equal schemes, equal fingerprints.

    Values left at their defaults are omitted, so a key added to the model later (with a
    default) does not change the fingerprint of schemes that do not use it, and runs recorded
    before still reproduce.
    """
    data = scheme.model_dump(mode="json", exclude_defaults=True)
    blob = json.dumps(data, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _key_path(loc: tuple[int | str, ...], data: dict[str, Any]) -> str:
    """``('indicators', 3, 'direction')`` → ``indicators[3](id=gdp).direction``."""
    out = ""
    node: Any = data
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
            node = node[part] if isinstance(node, list) and part < len(node) else None
            if isinstance(node, dict) and "id" in node:
                out += f"(id={node['id']})"
        else:
            if part in {
                "minmax",
                "zscore",
                "goalposts",
                "distance_to_target",
                "rank",
                "percentile",
            }:
                continue  # pydantic's discriminator tag, not a key the user wrote
            out += f".{part}" if out else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return out or "<top level>"


def _message(err: Any) -> str:
    msg = str(err["msg"])
    msg = msg.removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        return "未知的键 unknown key (check spelling; see docs/scheme.md for allowed keys)"
    if err["type"] == "missing":
        return "缺少必填项 required key is missing"
    if err["type"] == "literal_error":
        return f"不允许的取值 not allowed: {msg}"
    if err["type"] == "union_tag_invalid":
        return f"不允许的方法 unknown method: {msg}"
    if any("\u4e00" <= ch <= "\u9fff" for ch in msg):
        return msg  # our own rules already speak Chinese first
    return f"{_ZH.get(str(err['type']), '取值无效')} {msg}"


# Chinese heads for pydantic's error types (the English detail follows).
_ZH = {
    "greater_than": "数值过小",
    "greater_than_equal": "数值过小",
    "less_than": "数值过大",
    "less_than_equal": "数值过大",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "string_type": "应为文本",
    "string_pattern_mismatch": "编号格式不对（字母开头，只含字母、数字、_ . -）",
    "string_too_long": "文本过长",
    "list_type": "应为列表 [...]",
    "dict_type": "应为表 {...}",
    "model_type": "应为表 {...}",
    "value_error": "取值无效",
}
