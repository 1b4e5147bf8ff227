"""``finclear manage`` (Django's manage.py) and ``finclear serve``."""

from __future__ import annotations

import os
import sys

import typer

from finclear.commands import setup_django


def register(app: typer.Typer) -> None:
    @app.command(
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
        help="Run a Django management command, e.g. `finclear manage migrate`.",
    )
    def manage(ctx: typer.Context) -> None:
        from django.core.management import execute_from_command_line

        setup_django()
        execute_from_command_line(["finclear manage", *ctx.args])

    @app.command(help="Serve the web app and API (uvicorn, ASGI).")
    def serve(
        host: str = typer.Option("127.0.0.1", help="Address to bind."),
        port: int = typer.Option(8000, help="Port to bind."),
        workers: int = typer.Option(1, help="Worker processes."),
    ) -> None:
        import uvicorn

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "finclear.app.settings")
        sys.exit(
            uvicorn.run(
                "finclear.app.asgi:application",
                host=host,
                port=port,
                workers=workers,
                log_level="info",
            )
        )
