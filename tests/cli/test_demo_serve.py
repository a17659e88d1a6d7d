"""`zhengji demo` as `make demo` runs it: builds, assesses, writes, then serves the web app."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx


def test_demo_serves_the_web_app_on_loopback(tmp_path: Path) -> None:
    env = {**os.environ, "COLUMNS": "200", "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "zhengji.cli", "demo", "--out", str(tmp_path / "d"), "--port", "0"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = user = password = None
        seen = []
        deadline = time.monotonic() + 600  # the whole demo world is built first
        assert proc.stdout is not None
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            seen.append(line)
            m = re.search(r"用户名 username (\S+) 密码 password (\S+)", line)
            if m:
                user, password = m.groups()
                assert "demo only" in line
            m = re.search(r"(http://127\.0\.0\.1:\d+/)", line)
            if m:
                url = m.group(1)
                break
        text = "".join(seen)
        assert url and user and password, text + (proc.stderr.read() if proc.stderr else "")
        # every capability's demo records were made and summarised before serving
        for shown in (
            "末位表态",
            "形象工程",
            "离任交接档案",
            "接诉即办月度排名",
            "梵净生态账户",
            "不稳健",
        ):
            assert shown in text, shown
        assert "示例数据（模拟）" in text and "江口县" in text
        assert (tmp_path / "zhengji.db").exists()  # ZHENGJI_DATABASE_URL (conftest) wins
        assert list((tmp_path / "d").glob("*.xlsx"))
        with httpx.Client(base_url=url, timeout=30) as h:
            page = h.get("/login")
            assert page.status_code == 200 and "登录" in page.text
            pre = re.search(r'name="pre" value="([^"]+)"', page.text)
            assert pre
            r = h.post(
                "/login",
                data={"username": user, "password": password, "pre": pre.group(1)},
                headers={"Cookie": f"zj_pre={pre.group(1)}"},
            )
            assert r.status_code == 303
            cookie = re.search(r"zj_session=([^;]+)", r.headers["set-cookie"])
            assert cookie
            home = h.get("/", headers={"Cookie": f"zj_session={cookie.group(1)}"})
            assert home.status_code == 200
            assert "示例数据（模拟）" in home.text and "碧江区" in home.text
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
