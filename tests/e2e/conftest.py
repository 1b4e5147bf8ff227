"""End-to-end fixtures: the payer simulator as a real process on a free loopback port."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from finclear.demo.scenario import Scenario, write_scenario
from tests.unit.payersim.inquiries import scenario as build_test_scenario

SLOW_MS = 1500
SENDER_ID = "FINCLEAR01"


@dataclass(frozen=True)
class PayerSim:
    base_url: str
    scenario: Scenario
    username: str
    password: str
    sender_id: str
    slow_ms: int
    log: Path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_health(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the payer simulator exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the payer simulator did not answer {url}: {log.read_text()[-2000:]}")


@pytest.fixture(scope="session")
def payersim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PayerSim]:
    """``finclear payersim`` on the synthetic test scenario, stopped after the session."""
    folder = tmp_path_factory.mktemp("payersim")
    scenario = build_test_scenario()
    write_scenario(scenario, folder / "scenario.json")
    password = secrets.token_urlsafe(16)
    (folder / "users.toml").write_text(
        f'[users.clinic]\npassword_env = "E2E_PAYERSIM_PASSWORD"\nsender_ids = ["{SENDER_ID}"]\n'
    )
    port = free_port()
    log = folder / "payersim.log"
    command = [
        sys.executable, "-c", "from finclear.cli import main; main()", "payersim",
        "--host", "127.0.0.1", "--port", str(port),
        "--scenario", str(folder / "scenario.json"),
        "--users", str(folder / "users.toml"),
        "--slow-ms", str(SLOW_MS),
    ]  # fmt: skip
    env = {**os.environ, "E2E_PAYERSIM_PASSWORD": password}
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(f"{base_url}/health", process, log)
        yield PayerSim(base_url, scenario, "clinic", password, SENDER_ID, SLOW_MS, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
