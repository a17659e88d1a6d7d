"""Optional single sign-on with OpenID Connect (Authlib), for a government SSO.

Off unless ``ZHENGJI_OIDC_ISSUER`` and ``ZHENGJI_OIDC_CLIENT_ID`` are set. SSO only proves who
someone is: the ID token's ``ZHENGJI_OIDC_USERNAME_CLAIM`` must name an existing, active
local account, whose role and unit scope apply (no account is created from a token). The
flow is the authorization-code flow with PKCE, ``state`` and ``nonce`` kept in a short-lived
HttpOnly cookie.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from zhengji import settings
from zhengji.errors import ZhengjiError

__all__ = ["OidcConfig", "authorization_request", "client"]


@dataclass(frozen=True)
class OidcConfig:
    issuer: str
    client_id: str
    client_secret: str
    username_claim: str = "preferred_username"
    scope: str = "openid profile"

    @property
    def metadata_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"

    @classmethod
    def from_env(cls) -> OidcConfig | None:
        """The configuration from ``ZHENGJI_OIDC_*`` settings, or None when SSO is off."""
        issuer, cid = settings.get("oidc_issuer"), settings.get("oidc_client_id")
        if not issuer and not cid:
            return None
        if not issuer or not cid:
            raise ZhengjiError(
                "单点登录配置不完整 OIDC needs both ZHENGJI_OIDC_ISSUER and ZHENGJI_OIDC_CLIENT_ID"
            )
        if not issuer.startswith("https://") and not issuer.startswith("http://127.0.0.1"):
            raise ZhengjiError(
                f"单点登录地址须为 https OIDC issuer must be an https URL, got '{issuer}'"
            )
        return cls(
            issuer,
            cid,
            settings.get("oidc_client_secret"),
            settings.get("oidc_username_claim") or "preferred_username",
        )


def client(cfg: OidcConfig, redirect_uri: str) -> Any:
    """An Authlib OAuth 2 client (httpx) for the provider."""
    import warnings

    from authlib.deprecate import AuthlibDeprecationWarning

    with warnings.catch_warnings():
        # Authlib 1.9 warns that its httpx integration will move to httpx2; it works as is.
        warnings.simplefilter("ignore", AuthlibDeprecationWarning)
        from authlib.integrations.httpx_client import AsyncOAuth2Client

    return AsyncOAuth2Client(
        client_id=cfg.client_id,
        client_secret=cfg.client_secret or None,
        scope=cfg.scope,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
    )


def authorization_request(
    cfg: OidcConfig, metadata: dict[str, Any], redirect_uri: str
) -> tuple[str, str]:
    """``(url, cookie)``: where to send the browser and what to remember until it returns."""
    from authlib.common.security import generate_token

    c = client(cfg, redirect_uri)
    verifier = generate_token(48)
    nonce = secrets.token_urlsafe(16)
    url, state = c.create_authorization_url(
        metadata["authorization_endpoint"], code_verifier=verifier, nonce=nonce
    )
    return url, json.dumps({"state": state, "nonce": nonce, "verifier": verifier})
