"""Shared test configuration.

Tests that need PostgreSQL are marked ``postgres`` and skip, saying so, when
FINCLEAR_DATABASE_URL does not point at one.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

SHARED_X12 = Path(__file__).resolve().parents[2] / "shared" / "x12"
if not SHARED_X12.is_dir():
    SHARED_X12 = Path(os.environ.get("FINCLEAR_SHARED_X12", "/work/shared/x12"))

ON_POSTGRES = os.environ.get("FINCLEAR_DATABASE_URL", "").startswith(("postgres", "postgresql"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if ON_POSTGRES:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set FINCLEAR_DATABASE_URL=postgres://...")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """On PostgreSQL, name the test database after this process, so that two test runs on
    one server (two engineers, or a run beside a benchmark) never drop each other's."""
    if ON_POSTGRES:
        from pytest_django.fixtures import _set_suffix_to_test_databases

        _set_suffix_to_test_databases(suffix=f"p{os.getpid()}")


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    """Nothing a test caches (worklist counts, filter options, row names) is seen by the
    next one: rolled-back ids come again."""
    yield
    from django.core.cache import cache

    from finclear.workqueue.forms import do_forget_drawn_fields
    from finclear.workqueue.names import do_forget_names

    cache.clear()
    do_forget_names()
    do_forget_drawn_fields()
