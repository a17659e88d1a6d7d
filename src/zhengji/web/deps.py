"""Request context and guards: who is signed in, which roles a route admits, CSRF.

Every route takes a :class:`Ctx` from :func:`require` (or :func:`require_write` for a form
POST, which also checks the CSRF token). Refusals raise exceptions that
``zhengji.web.app`` turns into 401 / 403 responses (a browser is sent to the login page).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Form, Header, Path, Query, Request

from zhengji.errors import PermissionDenied, ZhengjiError
from zhengji.store import Store
from zhengji.web import accounts
from zhengji.web.i18n import language, translator
from zhengji.web.roles import Principal, Role
from zhengji.web.services import Views

__all__ = [
    "MAX_ID",
    "SESSION_COOKIE",
    "CsrfError",
    "Ctx",
    "Limit",
    "NotSignedInError",
    "OptId",
    "OptText",
    "OptionalUser",
    "PathId",
    "PathText",
    "QueryId",
    "SeeOtherError",
    "client_of",
    "optional_user",
    "require",
    "require_write",
    "wants_html",
]

SESSION_COOKIE = "zj_session"
MAX_ID = 2**31 - 1  # record ids are 32-bit integers on PostgreSQL

# Bounded parameter types: an id outside the database's range or an over-long text is a 422,
# never a database error (schemathesis checks this).
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
QueryId = Annotated[int, Query(ge=1, le=MAX_ID)]
OptId = Annotated[int | None, Query(ge=1, le=MAX_ID)]
PathText = Annotated[str, Path(min_length=1, max_length=200)]
OptText = Annotated[str | None, Query(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=5000)]


class NotSignedInError(ZhengjiError):
    """No live session (the web answers 401, or redirects a browser to the login page)."""


class SeeOtherError(ZhengjiError):
    """The page lives elsewhere for this user (the web answers 303 to ``location``)."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


class CsrfError(ZhengjiError):
    """A form arrived without the session's CSRF token (the web answers 403)."""


@dataclass
class Ctx:
    """What a view needs: the request, the store, the user, the language."""

    request: Request
    store: Store
    views: Views
    user: Principal
    lang: str
    client: str
    _parents: dict[str, str | None] | None = field(default=None, repr=False)

    @property
    def tr(self) -> Callable[[str, str], str]:
        return translator(self.lang)

    @property
    def parents(self) -> dict[str, str | None]:
        if self._parents is None:
            self._parents = self.views.parents()
        return self._parents

    def check_unit(self, unit_id: str | None) -> None:
        self.user.check_unit(unit_id, self.parents)

    def can_see(self, unit_id: str | None) -> bool:
        return self.user.can_see(unit_id, self.parents)


def wants_html(request: Request) -> bool:
    """A browser page (Accept: text/html) or an htmx request, rather than an API client."""
    if request.url.path.endswith(".json"):
        return False
    accept = request.headers.get("accept", "")
    return "text/html" in accept or request.headers.get("hx-request") == "true"


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _principal(request: Request) -> Principal:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise NotSignedInError("请先登录 please sign in")
    store: Store = request.app.state.store
    with store.transaction() as s:
        p = accounts.principal_for(s, token)
    if p is None:
        raise NotSignedInError(
            "登录已过期，请重新登录 your session has ended; please sign in again"
        )
    return p


def optional_user(request: Request) -> Principal | None:
    """The signed-in user if there is a live session, else None: for public pages that show
    a signed-in user their navigation. A missing, unknown or expired cookie is no session
    (never a 401 on a public page)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    store: Store = request.app.state.store
    with store.transaction() as s:
        return accounts.principal_for(s, token)


#: A public route's user, if any: ``user: OptionalUser``.
OptionalUser = Annotated[Principal | None, Depends(optional_user)]


def _ctx(request: Request, roles: frozenset[Role]) -> Ctx:
    user = _principal(request)
    if user.role not in roles:
        raise PermissionDenied(
            f"无权访问 your role ({user.role.value}) may not use this page; "
            f"allowed: {', '.join(sorted(r.value for r in roles))}"
        )
    st = request.app.state
    return Ctx(request, st.store, st.views, user, language(request), client_of(request))


def require(roles: Iterable[Role]) -> Any:
    """A dependency giving the :class:`Ctx` of a signed-in user with one of ``roles``."""
    allowed = frozenset(roles)

    def dep(request: Request) -> Ctx:
        return _ctx(request, allowed)

    return Depends(dep)


def require_write(roles: Iterable[Role]) -> Any:
    """Like :func:`require`, and the form (or ``X-CSRF-Token`` header) carries the CSRF token."""
    allowed = frozenset(roles)

    def dep(
        request: Request,
        csrf_token: Annotated[str | None, Form()] = None,
        x_csrf_token: Annotated[str | None, Header()] = None,
    ) -> Ctx:
        ctx = _ctx(request, allowed)
        given = csrf_token or x_csrf_token or ""
        if not secrets.compare_digest(given.encode(), ctx.user.csrf_token.encode()):
            raise CsrfError(
                "表单已失效，请刷新页面后重试 missing or wrong CSRF token; reload the page"
            )
        return ctx

    return Depends(dep)
