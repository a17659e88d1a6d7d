"""`zhengji user …` manages accounts in the store (and audits it); `zhengji serve` is covered by
tests/cli/test_demo_serve.py (the demo serves through the same function)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from zhengji.cli import app
from zhengji.store import Store
from zhengji.web import accounts, audit

runner = CliRunner()


def test_user_commands(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'u.db'}"
    pw = "Office-account-2025"
    r = runner.invoke(
        app,
        [
            "user",
            "add",
            "wang",
            "--role",
            "admin",
            "--name",
            "王主任",
            "--password",
            pw,
            "--db",
            db,
        ],
    )
    assert r.exit_code == 0, r.output
    assert "wang" in r.output
    r = runner.invoke(
        app, ["user", "add", "li", "--role", "reporter", "--password", pw, "--db", db]
    )
    assert r.exit_code == 2 and "--unit" in r.output  # a reporter needs a unit
    r = runner.invoke(
        app, ["user", "add", "zhao", "--role", "inspector", "--password", "short", "--db", db]
    )
    assert r.exit_code == 2 and "password policy" in r.output
    assert (
        runner.invoke(
            app, ["user", "passwd", "wang", "--password", "Another-account-2025", "--db", db]
        ).exit_code
        == 0
    )
    assert runner.invoke(app, ["user", "disable", "wang", "--db", db]).exit_code == 0
    r = runner.invoke(app, ["user", "list", "--db", db])
    assert r.exit_code == 0 and "王主任" in r.output and "停用" in r.output
    with Store.open(db) as st, st.transaction() as s:
        u = accounts.list_users(s)[0]
        assert (u.username, u.role, u.active) == ("wang", "admin", False)
        actions = [e.action for e in audit.list_audit(s)]
        assert actions == ["user_active", "user_password", "user_add"]
    assert runner.invoke(app, ["user", "enable", "wang", "--db", db]).exit_code == 0
    with Store.open(db) as st, st.transaction() as s:
        assert accounts.login(s, "wang", "Another-account-2025", "cli").principal.username == "wang"


def test_serve_prints_the_loopback_url(tmp_path: Path) -> None:
    import os
    import re
    import signal
    import subprocess
    import sys

    import httpx

    db = f"sqlite:///{tmp_path / 's.db'}"
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "zhengji.cli", "serve", "--db", db, "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert m, line + (proc.stderr.read() if proc.stderr else "")
        r = httpx.get(m.group(0) + "login", timeout=20)
        assert r.status_code == 200 and "登录" in r.text
        assert httpx.get(m.group(0) + "index.json", timeout=20).status_code == 401
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=15)
        for s in (proc.stdout, proc.stderr):
            if s is not None:
                s.close()
