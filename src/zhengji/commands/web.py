"""Commands of the web app: ``zhengji serve`` and ``zhengji user add|passwd|disable|enable|list``.

The demo (``zhengji demo``) serves through :func:`serve_app` too.
"""

from __future__ import annotations

import getpass
import os
import sys
from typing import Annotated

import typer
from rich.table import Table

from zhengji import settings
from zhengji.commands import console, err_console, friendly

__all__ = ["app", "serve_app"]

app = typer.Typer()
user_app = typer.Typer(
    help=(
        "网页账户 Web accounts (argon2id; roles admin, assessor, inspector, reporter, "
        "organisation, centre, cadre, grid_worker, mediator)."
    ),
    no_args_is_help=True,
)
app.add_typer(user_app, name="user")


def serve_app(db_url: str | None, host: str, port: int, banner: str = "") -> None:
    """Run the web app with uvicorn on ``host:port`` and print the URL once it listens."""
    import socket

    import uvicorn

    from zhengji.store import Store
    from zhengji.web import create_app
    from zhengji.web.oidc import OidcConfig

    oidc = OidcConfig.from_env()
    store = Store.open(db_url)
    application = create_app(store, oidc=oidc)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    # Listen before printing the URL: a client that reads it connects at once and must queue
    # in the backlog while the app starts (its lifespan), not be refused.
    sock.listen(2048)
    real_port = sock.getsockname()[1]
    if banner:
        console.print(banner)
    console.print(f"[bold green]打开 open[/] http://{host}:{real_port}/  (Ctrl+C 退出 quit)")
    sys.stdout.flush()  # a pipe (make, a test) must see the URL before the server blocks
    config = uvicorn.Config(application, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    from zhengji.servergc import tune

    tune()  # full collections would stall every request in flight (zhengji.servergc)
    try:
        server.run(sockets=[sock])
    finally:
        store.close()
        console.print("已停止 stopped")


@app.command()
@friendly
def serve(
    db: Annotated[
        str | None, typer.Option(help="数据库 database URL (ZHENGJI_DATABASE_URL)")
    ] = None,
    host: Annotated[str | None, typer.Option(help="地址 address (ZHENGJI_HOST)")] = None,
    port: Annotated[
        int | None, typer.Option(help="端口 port (ZHENGJI_PORT; 0 = any free port)")
    ] = None,
) -> None:
    """启动网页服务 Serve the web app (loopback by default) and print its URL."""
    h = host or settings.get("host")
    if h not in ("127.0.0.1", "localhost", "::1"):
        err_console.print(
            f"[yellow]注意 note:[/] serving on {h}: put it behind HTTPS (a reverse proxy); "
            "session cookies are marked Secure"
        )
    serve_app(db, h, int(settings.get("port")) if port is None else port)


def _password(given: str | None) -> str:
    if given:
        return given
    env = os.environ.get("ZHENGJI_NEW_PASSWORD")
    if env:
        return env
    first = getpass.getpass("新密码 new password: ")
    if getpass.getpass("再输一次 again: ") != first:
        raise typer.BadParameter("两次输入不一致 the passwords differ")
    return first


@user_app.command("add")
@friendly
def user_add(
    username: Annotated[str, typer.Argument(help="用户名 username")],
    role: Annotated[
        str,
        typer.Option(
            help="角色 admin | assessor | inspector | reporter | organisation | centre | cadre "
            "| grid_worker | mediator"
        ),
    ],
    unit: Annotated[
        str | None, typer.Option(help="单位 unit_id (reporter, centre: the unit they serve)")
    ] = None,
    subject: Annotated[
        str | None,
        typer.Option(help="对象 person id (cadre, mediator) or grid id (grid_worker)"),
    ] = None,
    name: Annotated[str | None, typer.Option(help="姓名 display name")] = None,
    password: Annotated[
        str | None,
        typer.Option(help="密码 password (else $ZHENGJI_NEW_PASSWORD, else asked)"),
    ] = None,
    db: Annotated[str | None, typer.Option(help="数据库 database URL")] = None,
) -> None:
    """新增账户 Add a web account (the password policy applies)."""
    from zhengji.store import Store
    from zhengji.web import accounts, audit

    with Store.open(db) as st, st.transaction() as s:
        info = accounts.add_user(s, username, _password(password), role, unit, name, subject)
        audit.record(
            s,
            f"cli:{getpass.getuser()}",
            "user_add",
            username,
            "cli",
            {"role": role, "unit_id": unit, "subject": subject},
        )
    scope = f" · {info.unit_id or info.subject}" if info.unit_id or info.subject else ""
    console.print(f"已新增 added user '{info.username}' ({info.role}{scope})")


@user_app.command("passwd")
@friendly
def user_passwd(
    username: Annotated[str, typer.Argument(help="用户名 username")],
    password: Annotated[str | None, typer.Option(help="新密码 new password")] = None,
    db: Annotated[str | None, typer.Option(help="数据库 database URL")] = None,
) -> None:
    """重设密码 Set a new password; the account's sessions end."""
    from zhengji.store import Store
    from zhengji.web import accounts, audit

    with Store.open(db) as st, st.transaction() as s:
        accounts.set_password(s, username, _password(password))
        audit.record(s, f"cli:{getpass.getuser()}", "user_password", username, "cli")
    console.print(f"已重设 password changed for '{username}'")


def _set_active(username: str, active: bool, db: str | None) -> None:
    from zhengji.store import Store
    from zhengji.web import accounts, audit

    with Store.open(db) as st, st.transaction() as s:
        accounts.set_active(s, username, active)
        audit.record(
            s, f"cli:{getpass.getuser()}", "user_active", username, "cli", {"active": active}
        )
    console.print(f"'{username}': {'启用 enabled' if active else '停用 disabled'}")


@user_app.command("disable")
@friendly
def user_disable(
    username: Annotated[str, typer.Argument(help="用户名 username")],
    db: Annotated[str | None, typer.Option(help="数据库 database URL")] = None,
) -> None:
    """停用账户 Disable an account (its sessions end; nothing is deleted)."""
    _set_active(username, False, db)


@user_app.command("enable")
@friendly
def user_enable(
    username: Annotated[str, typer.Argument(help="用户名 username")],
    db: Annotated[str | None, typer.Option(help="数据库 database URL")] = None,
) -> None:
    """启用账户 Enable a disabled account."""
    _set_active(username, True, db)


@user_app.command("list")
@friendly
def user_list(db: Annotated[str | None, typer.Option(help="数据库 database URL")] = None) -> None:
    """账户列表 List the web accounts."""
    from zhengji.store import Store
    from zhengji.web import accounts

    with Store.open(db) as st, st.transaction() as s:
        rows = accounts.list_users(s)
    table = Table(title="网页账户 Web accounts")
    for col in ("用户名 user", "姓名 name", "角色 role", "范围 scope", "状态 state"):
        table.add_column(col)
    for u in rows:
        table.add_row(
            u.username,
            u.display_name,
            u.role,
            u.unit_id or u.subject or "",
            "启用" if u.active else "停用",
        )
    console.print(table)
