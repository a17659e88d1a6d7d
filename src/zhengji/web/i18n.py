"""Language of the pages: Simplified Chinese by default, English on request.

Templates write both texts side by side, ``{{ tr("总览", "Overview") }}``, so a page's two
languages stay together and nothing is looked up by key. The choice is a ``lang`` cookie set
by ``/lang/{code}``; ``?lang=en`` overrides it for one request (handy for links and tests).
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request

__all__ = ["LANGS", "language", "translator"]

LANGS = ("zh", "en")


def language(request: Request) -> str:
    q = request.query_params.get("lang")
    if q in LANGS:
        return q
    c = request.cookies.get("lang")
    return c if c in LANGS else "zh"


def translator(lang: str) -> Callable[[str, str], str]:
    def tr(zh: str, en: str) -> str:
        return en if lang == "en" else zh

    return tr
