"""`zhengji demo` as `make demo` runs it: builds, assesses, writes, then serves over real HTTP."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def test_demo_serves_the_report_on_loopback(tmp_path: Path) -> None:
    env = {**os.environ, "COLUMNS": "160", "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "zhengji.cli", "demo", "--out", str(tmp_path / "d"), "--port", "0"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = None
        seen = []
        deadline = time.monotonic() + 120
        assert proc.stdout is not None
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            seen.append(line)
            m = re.search(r"(http://127\.0\.0\.1:\d+/\S+\.html)", line)
            if m:
                url = m.group(1)
                break
        assert url, "".join(seen) + (proc.stderr.read() if proc.stderr else "")
        text = "".join(seen)
        assert "示例数据（模拟）" in text
        assert "江口县" in text
        with urllib.request.urlopen(url, timeout=10) as resp:
            assert resp.status == 200
            page = resp.read().decode("utf-8")
        assert "示例数据（模拟）" in page
        assert "碧江区" in page and "<script" not in page.lower()
        assert (tmp_path / "zhengji.db").exists()  # ZHENGJI_DATABASE_URL (conftest) wins
        assert list((tmp_path / "d").glob("*.xlsx"))
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
