"""Optional OIDC single sign-on: configuration from settings and the authorization request."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlparse

import pytest

from zhengji.errors import ZhengjiError
from zhengji.web.oidc import OidcConfig, authorization_request


def test_off_unless_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    for v in ("ISSUER", "CLIENT_ID", "CLIENT_SECRET", "USERNAME_CLAIM"):
        monkeypatch.delenv(f"ZHENGJI_OIDC_{v}", raising=False)
    assert OidcConfig.from_env() is None
    monkeypatch.setenv("ZHENGJI_OIDC_ISSUER", "https://sso.example.gov.cn/realms/city")
    with pytest.raises(ZhengjiError, match="CLIENT_ID"):
        OidcConfig.from_env()
    monkeypatch.setenv("ZHENGJI_OIDC_CLIENT_ID", "zhengji")
    monkeypatch.setenv("ZHENGJI_OIDC_USERNAME_CLAIM", "employee_no")
    cfg = OidcConfig.from_env()
    assert cfg is not None and cfg.username_claim == "employee_no"
    assert (
        cfg.metadata_url
        == "https://sso.example.gov.cn/realms/city/.well-known/openid-configuration"
    )
    monkeypatch.setenv("ZHENGJI_OIDC_ISSUER", "http://sso.example.gov.cn")
    with pytest.raises(ZhengjiError, match="https"):
        OidcConfig.from_env()


def test_authorization_request_uses_pkce_state_and_nonce() -> None:
    cfg = OidcConfig("https://sso.example.gov.cn", "zhengji", "secret")
    meta = {"authorization_endpoint": "https://sso.example.gov.cn/auth"}
    url, cookie = authorization_request(cfg, meta, "http://127.0.0.1:8321/login/oidc/callback")
    q = parse_qs(urlparse(url).query)
    remembered = json.loads(cookie)
    assert url.startswith("https://sso.example.gov.cn/auth?")
    assert q["response_type"] == ["code"] and q["client_id"] == ["zhengji"]
    assert q["code_challenge_method"] == ["S256"] and len(q["code_challenge"][0]) >= 43
    assert q["state"] == [remembered["state"]] and q["nonce"] == [remembered["nonce"]]
    assert "openid" in q["scope"][0]
    again = json.loads(authorization_request(cfg, meta, "http://x/cb")[1])
    assert again["state"] != remembered["state"] and again["verifier"] != remembered["verifier"]


def test_sign_on_routes_answer_404_when_off(world, clients) -> None:  # type: ignore[no-untyped-def]
    assert clients[None].get("/login/oidc").status_code == 404
    assert "统一身份认证" not in clients[None].get("/login", html=True).text
