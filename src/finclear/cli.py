"""The ``finclear`` command line.

Each module of ``finclear.commands`` adds its commands through ``register(app)``; this file
only assembles them, so a domain's commands live beside nothing else.
"""

from __future__ import annotations

import importlib
import pkgutil

import typer

import finclear.commands

app = typer.Typer(
    name="finclear",
    help="finclear: financial clearance and revenue cycle for hospitals and clinics.",
    no_args_is_help=True,
    add_completion=False,
)


def build_app() -> typer.Typer:
    for info in sorted(pkgutil.iter_modules(finclear.commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"finclear.commands.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(app)
    return app


def main() -> None:
    build_app()()
