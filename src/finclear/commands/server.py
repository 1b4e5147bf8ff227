"""``finclear manage`` (Django's manage.py) and ``finclear serve``.

``serve`` runs the Django app as WSGI under gunicorn's sync workers: finclear's views are
synchronous, so a process per concurrent request with a persistent database connection each
is the cheapest way to serve them. (Under an ASGI server every request of a sync view runs in
a thread of its own, so Django opens a new database connection for each one.)
"""

from __future__ import annotations

import os
from typing import Any

import typer

from finclear.commands import setup_django


def default_workers() -> int:
    """CPUs + 1. A worklist request is CPU work in the worker and in PostgreSQL, and little
    waiting: on 2 cores, 2 or 3 workers served 60-65 requests/s with a p95 of 360-380 ms,
    5 workers (gunicorn's 2 x CPUs + 1) 57-63 requests/s with a p95 near 500 ms (more
    switching between processes, and more workers woken for each connection). With the
    database on another machine, more workers than that can help: ``--workers``."""
    return (os.cpu_count() or 1) + 1


def build_gunicorn_options(
    host: str, port: int, workers: int, timeout: int, log_level: str
) -> dict[str, Any]:
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "sync",
        "timeout": timeout,
        "graceful_timeout": 30,
        "loglevel": log_level,
        "accesslog": None,
        "errorlog": "-",
        # Django is imported once and the workers fork from it: less memory, faster start.
        # No connection is opened before the fork.
        "preload_app": True,
        "pre_fork": close_connections,
    }


def close_connections(server: Any, worker: Any) -> None:
    """Before a fork: no database connection of the master may be shared with a worker."""
    from django.db import connections

    connections.close_all()


def do_serve_wsgi(options: dict[str, Any]) -> None:
    from gunicorn.app.base import BaseApplication

    class FinclearApplication(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            from finclear.app.wsgi import application

            return application

    FinclearApplication().run()


def register(app: typer.Typer) -> None:
    @app.command(
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
        help="Run a Django management command, e.g. `finclear manage migrate`.",
    )
    def manage(ctx: typer.Context) -> None:
        from django.core.management import execute_from_command_line

        setup_django()
        execute_from_command_line(["finclear manage", *ctx.args])

    @app.command(help="Serve the web app and API (gunicorn, WSGI, sync worker processes).")
    def serve(
        host: str = typer.Option("127.0.0.1", help="Address to bind."),
        port: int = typer.Option(8000, help="Port to bind."),
        workers: int = typer.Option(0, help="Worker processes (0: CPUs + 1)."),
        timeout: int = typer.Option(
            600, help="Seconds a request may run before its worker is restarted."
        ),
    ) -> None:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "finclear.app.settings")
        level = os.environ.get("FINCLEAR_LOG_LEVEL", "INFO").lower()
        do_serve_wsgi(
            build_gunicorn_options(host, port, workers or default_workers(), timeout, level)
        )
