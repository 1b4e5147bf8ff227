"""Command modules of the ``finclear`` CLI; each exposes ``register(app: typer.Typer)``."""

from __future__ import annotations

import os


def setup_django() -> None:
    """Configure Django for a command that needs the application (import it lazily)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "finclear.app.settings")
    import django

    django.setup()
