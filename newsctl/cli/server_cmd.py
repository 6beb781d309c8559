"""`newsctl server start|stop|status`: the optional warm server (newsctl/server/)."""

from __future__ import annotations

import time

import typer

from ..errors import EXIT_FOUND, EXIT_NOTHING, NewsctlError
from .app import app, message, runtime

server_app = typer.Typer(
    help=(
        "The optional warm server: keeps newsctl loaded and indexes open so each command starts in "
        "milliseconds. Commands give the same output, exit codes and terminal behaviour with or without it.\n\n"
        "NEWSCTL_SERVER=off never uses it; on (the default) uses a running one; auto also starts one "
        "when none is running."
    ),
    no_args_is_help=True,
)
app.add_typer(server_app, name="server")


def _preload(ctx: typer.Context) -> list[str]:
    """The archive the global options name (or the current folder is in), to open at start; none is fine."""
    try:
        return [str(runtime(ctx).settings().state_dir)]
    except NewsctlError:
        return []


@server_app.command("start")
def server_start(
    ctx: typer.Context,
    idle: float = typer.Option(1800.0, "--idle", min=1.0, metavar="SECONDS", help="Exit after this long without a command."),
) -> None:
    """Start the server in the background (nothing happens if it is running).

    Examples:

      newsctl server start

      newsctl -A ~/news server start --idle 600
    """
    from ..server import control

    info, started = control.start(idle=idle, preload=_preload(ctx))
    verb = "started" if started else "already running"
    message(f"newsctl server {verb} (pid {info['pid']}, socket {info['socket']})")


@server_app.command("stop")
def server_stop() -> None:
    """Stop the server; commands already running finish. Exit 1 if none was running.

    Examples:

      newsctl server stop
    """
    from ..server import control

    pid = control.stop()
    if pid is None:
        message("newsctl server is not running")
        raise typer.Exit(EXIT_NOTHING)
    message(f"newsctl server stopped (pid {pid})")


@server_app.command("status")
def server_status() -> None:
    """Whether the server is running, since when, and what it holds. Exit 1 if it is not running.

    Examples:

      newsctl server status
    """
    from ..server import control
    from ..server.location import server_paths

    info = control.status()
    if info is None:
        print(f"not running (socket {server_paths().socket})")
        raise typer.Exit(EXIT_NOTHING)
    started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(info["started"]))
    print(f"running: pid {info['pid']}, since {started}, {info['served']} commands served, {info['running']} running")
    print(f"socket: {info['socket']}")
    print(f"idle: {info['idle_for']:g}s of {info['idle_timeout']:g}s before it exits")
    for state_dir in info["archives"]:
        print(f"index open: {state_dir}")
    raise typer.Exit(EXIT_FOUND)
