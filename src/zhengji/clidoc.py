"""The CLI reference page (``docs/cli.md``), generated from the commands themselves.

``python -m zhengji.clidoc > docs/cli.md`` regenerates it; a test fails when they drift apart.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

import typer.main

__all__ = ["render"]


def render() -> str:
    """Markdown for every command and option of ``zhengji``."""
    from zhengji.cli import app

    root = typer.main.get_command(app)
    lines = [
        "# 命令行 Command-line reference",
        "",
        "Generated from the code by `python -m zhengji.clidoc > docs/cli.md`; a test keeps it",
        "in step. Exit codes: 0 success, 2 bad input (one reason, then the details).",
        "`zhengji --version` prints the version; `zhengji COMMAND --help` shows this help.",
        "",
    ]
    lines += _command(root, "zhengji")
    return "\n".join(lines).rstrip() + "\n"


def _command(cmd: Any, path: str) -> list[str]:
    """Typer's click objects, read by duck typing (Typer vendors click privately)."""
    out: list[str] = []
    if hasattr(cmd, "commands"):
        for name in sorted(cmd.commands):
            out += _command(cmd.commands[name], f"{path} {name}")
        return out
    args = [p for p in cmd.params if p.param_type_name == "argument"]
    usage = " ".join(str(p.name).upper() for p in args)
    out += [f"## `{path}{' ' + usage if usage else ''}`", "", (cmd.help or "").strip(), ""]
    rows = []
    for p in cmd.params:
        if p.param_type_name == "argument":
            rows.append((str(p.name).upper(), "", getattr(p, "help", "") or ""))
        elif p.param_type_name == "option" and not p.hidden:
            names = " / ".join([*p.opts, *p.secondary_opts])
            flag_off = p.is_flag and not p.default and not p.secondary_opts
            default = "" if p.default is None or flag_off else str(_plain(p.default))
            kind = getattr(getattr(p, "type_descriptor", None), "annotation", None)
            if isinstance(kind, type) and issubclass(kind, Enum):
                names += f" ({', '.join(str(c.value) for c in kind)})"
            rows.append((names, default, p.help or ""))
    if rows:
        out += ["| argument / option | default | meaning |", "| --- | --- | --- |"]
        out += [f"| `{n}` | {f'`{d}`' if d else ''} | {_cell(h)} |" for n, d, h in rows]
        out.append("")
    return out


def _plain(value: Any) -> Any:
    return getattr(value, "value", value)


def _cell(text: str) -> str:
    """A Markdown table cell: a ``|`` in a help text would split the cell."""
    return text.replace("|", "\\|")


if __name__ == "__main__":
    print(render(), end="")
