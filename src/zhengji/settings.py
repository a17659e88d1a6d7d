"""Settings in one table (datasette's SETTINGS): name, environment variable, default, help.

``docs/settings.md`` is generated from this table and a test keeps the two in step.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

__all__ = ["SETTINGS", "Setting", "get"]


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str

    @property
    def env(self) -> str:
        return f"ZHENGJI_{self.name.upper()}"


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "database_url",
        "sqlite:///zhengji.db",
        "SQLAlchemy URL of the store 数据库地址; PostgreSQL: postgresql+psycopg://user@host/db",
    ),
    Setting(
        "lang", "zh", "Language of the HTML report 报告语言: zh or en (the console is bilingual)"
    ),
    Setting("host", "127.0.0.1", "Address `zhengji demo` serves on 服务地址 (loopback by default)"),
    Setting("port", "8321", "Port `zhengji demo` serves on 服务端口 (0 = any free port)"),
    Setting(
        "oidc_issuer",
        "",
        "OpenID Connect issuer URL for single sign-on 统一身份认证 (empty: local accounts only)",
    ),
    Setting("oidc_client_id", "", "OIDC client id registered for zhengji 客户端标识"),
    Setting("oidc_client_secret", "", "OIDC client secret 客户端密钥"),
    Setting(
        "oidc_username_claim",
        "preferred_username",
        "ID-token claim naming the local account to sign in 对应本地账户的声明",
    ),
)


def get(name: str) -> str:
    """The setting's value: its environment variable if set, else the default."""
    for s in SETTINGS:
        if s.name == name:
            return os.environ.get(s.env, s.default)
    raise KeyError(f"unknown setting '{name}'; known: {[s.name for s in SETTINGS]}")
