"""The demo's payer connectivity: the payer simulator as a child process, a payers file for it.

``do_verify_demo_schedule`` is the demo pipeline's eligibility step: it starts ``finclear
payersim`` on the seeded clinic's scenario file (the simulator reads that file, never this
database), writes ``var/payers.toml`` with one endpoint per payer pointing at it (the
password is named by an environment variable, never written), and verifies the seeded
schedule with a batch run through the tasks API. The simulator keeps running while the demo
serves, so "verify now" works in the app; it stops when the demo process exits.
"""

from __future__ import annotations

import atexit
import logging
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from django.conf import settings
from django.utils import timezone

from finclear.eligibility import endpoints
from finclear.eligibility.batch import do_start_batch
from finclear.eligibility.workers import do_run_to_end
from finclear.payers.models import Payer, PayerType

log = logging.getLogger("finclear.eligibility")

PASSWORD_ENV = "FINCLEAR_PAYERSIM_PASSWORD"
DEV_USERNAME = "finclear"
DEV_PASSWORD = "finclear-sim"  # the simulator's published development credential
SENDER_ID = "FINCLEAR01"
DEMO_WORKERS = 2


@dataclass
class Simulator:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


_running: Simulator | None = None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_simulator(scenario: Path, log: Path, port: int | None = None) -> Simulator:
    """``finclear payersim`` on ``scenario``, once it answers /health (30 s at most)."""
    port = port or free_port()
    command = [
        sys.executable, "-c", "from finclear.cli import main; main()", "payersim",
        "--host", "127.0.0.1", "--port", str(port), "--scenario", str(scenario),
    ]  # fmt: skip
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    simulator = Simulator(process, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the payer simulator exited; see {log}")
        try:
            if httpx.get(f"{simulator.url}/health", timeout=1).status_code == 200:
                return simulator
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    simulator.stop()
    raise RuntimeError(f"the payer simulator did not answer {simulator.url}/health; see {log}")


def build_payers_toml(url: str, payer_ids: list[str], protocol: str = "mime") -> str:
    """One endpoint per payer (the simulator accepts each payer's ID as the ReceiverID)."""
    tables = []
    for payer_id in payer_ids:
        tables.append(
            f'[payers."{payer_id}"]\n'
            f'url = "{url}/core/{protocol}"\n'
            f'protocol = "{protocol}"\n'
            f'sender_id = "{SENDER_ID}"\n'
            f'receiver_id = "{payer_id}"\n'
            f'username = "{DEV_USERNAME}"\n'
            f'password_env = "{PASSWORD_ENV}"\n'
        )
    return "# Written by finclear demo: the local payer simulator.\n\n" + "\n".join(tables)


def demo_window_days() -> int:
    """Days from today to the end of the seeded schedule (at least 1)."""
    from finclear.demo.models import SeedRun

    run = SeedRun.objects.order_by("-loaded_at", "-pk").first()
    if run is None:
        return 7
    today = timezone.localdate()
    return max(1, (run.start_date - today).days + run.days)


def recorded_scenario() -> Path | None:
    """The scenario file of the latest seed run, if it recorded one that exists."""
    from finclear.demo.models import SeedRun

    run = SeedRun.objects.order_by("-loaded_at", "-pk").first()
    if run is None or not run.scenario_path or not Path(run.scenario_path).is_file():
        return None
    return Path(run.scenario_path)


def do_connect_demo_payers() -> Simulator | None:
    """Start the simulator (once per process) and point every payer's endpoint at it.

    None, with a warning in the log, when the seeded clinic has no scenario file on record:
    the simulator answers from that file and cannot start without it.
    """
    global _running
    if _running is not None and _running.process.poll() is None:
        return _running
    scenario = recorded_scenario()
    if scenario is None:
        log.warning(
            "eligibility: the seeded clinic has no scenario file on record; the payer "
            "simulator was not started (run `finclear seed`)"
        )
        return None
    var = Path(settings.VAR_DIR)
    simulator = start_simulator(scenario, var / "payersim.log")
    atexit.register(simulator.stop)
    payer_ids = sorted(
        Payer.objects.exclude(payer_type=PayerType.SELF_PAY)
        .exclude(primary_payer_id="")
        .values_list("primary_payer_id", flat=True)
    )
    payers_file = var / "payers.toml"
    payers_file.write_text(build_payers_toml(simulator.url, payer_ids), encoding="utf-8")
    os.environ[PASSWORD_ENV] = os.environ.get(PASSWORD_ENV) or DEV_PASSWORD
    os.environ["FINCLEAR_PAYERS_FILE"] = str(payers_file)
    endpoints.use_endpoints(None)
    _running = simulator
    return simulator


def do_verify_demo_schedule() -> int:
    """The demo's eligibility step: a batch verification of the seeded schedule.

    It needs the scenario file the seed recorded (the simulator answers from it); a clinic
    loaded without one (``do_load_clinic`` alone) is not verified, and the log says why.
    """
    if do_connect_demo_payers() is None:
        return 0
    run = do_start_batch(demo_window_days(), triggered_by="demo")
    run = do_run_to_end(run, DEMO_WORKERS)
    return run.processed
