"""How the app is served: gunicorn's sync workers (``finclear serve``) and the shared cache."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx
import pytest
from django.core.exceptions import ImproperlyConfigured

from finclear.app.settings import build_cache
from finclear.commands.server import build_gunicorn_options, default_workers


def test_the_cache_url_chooses_the_backend() -> None:
    assert build_cache("")["BACKEND"].endswith("LocMemCache")
    assert build_cache("redis://127.0.0.1:6379/1") == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/1",
    }
    assert build_cache("file:///srv/finclear/cache") == {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": "/srv/finclear/cache",
    }
    with pytest.raises(ImproperlyConfigured, match="FINCLEAR_CACHE_URL: 'memcached://x'"):
        build_cache("memcached://x")


def test_serve_runs_sync_workers() -> None:
    options = build_gunicorn_options("0.0.0.0", 8001, 3, 600, "warning")
    assert options["bind"] == "0.0.0.0:8001" and options["workers"] == 3
    assert options["worker_class"] == "sync" and options["timeout"] == 600
    assert default_workers() == (os.cpu_count() or 1) + 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_finclear_serve_answers(tmp_path) -> None:
    """The real command: two workers answer the sign-in page and send strangers to it."""
    env = {
        **os.environ,
        "FINCLEAR_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        "FINCLEAR_VAR_DIR": str(tmp_path),
        "FINCLEAR_CACHE_URL": f"file://{tmp_path / 'cache'}",
        "DJANGO_SETTINGS_MODULE": "finclear.app.settings",
    }
    cli = [sys.executable, "-c", "from finclear.cli import main; main()"]
    migrated = subprocess.run(
        [*cli, "manage", "migrate", "--noinput"],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert migrated.returncode == 0, migrated.stderr[-2000:]
    port = free_port()
    log = tmp_path / "web.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [*cli, "serve", "--port", str(port), "--workers", "2"],
            env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        login = None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                login = httpx.get(f"http://127.0.0.1:{port}/login/", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert login is not None, log.read_text()[-2000:]
        assert login.status_code == 200 and 'name="csrfmiddlewaretoken"' in login.text
        worklist = httpx.get(f"http://127.0.0.1:{port}/worklist/", timeout=5)
        assert worklist.status_code == 302 and "/login/" in worklist.headers["location"]
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert server.returncode == 0, log.read_text()[-2000:]
