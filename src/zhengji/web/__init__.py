"""The web application (issue 5): FastAPI, server-rendered Jinja2 pages with htmx and ECharts.

``create_app(store)`` builds it; ``zhengji serve`` runs it on 127.0.0.1. See ``docs/web.md``.
"""

from zhengji.web.app import create_app

__all__ = ["create_app"]
