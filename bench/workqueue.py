"""Worklist latency with 100,000 upcoming encounters on PostgreSQL, 20 concurrent clients.

1. A child process migrates a database of its own (``finclear_bench_workqueue`` on the local
   server, or FINCLEAR_DATABASE_URL's server), loads the synthetic clinic (100,000 encounters
   over the next 30 days), computes every clearance case, and makes a specialist who sees
   every facility, with an API token.
2. The app is served as it is in production: ``finclear serve`` (gunicorn, sync workers) with
   ``--workers`` processes (default: serve's own, CPUs + 1), DEBUG off.
3. ``--clients`` asyncio clients (httpx) each send ``--requests`` requests one after the other:
   the worklist API (``GET /api/workqueue/cases``, 50 rows and every tab's count, with filters
   rotating over tabs, sorts, pages and open items) and the worklist page (``GET /worklist/``,
   the same with the HTML). Every client signs in before the timed part starts; each
   request's latency is measured by the client, and the CPU time the web processes,
   PostgreSQL (every server process: other work on the server counts too) and the client
   spent is printed per request.

It prints p50/p95/p99 per kind, beside the same worklist's reads run alone in one process (the
floor any web stack adds to). The target is p95 <= 150 ms. Timings are printed, never
asserted. Not a test.

    .venv/bin/python bench/workqueue.py [--encounters 100000] [--clients 20] [--requests 25]
                                        [--workers N] [--keep] [--reuse]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

LOCAL_PG = "postgres://postgres:postgres@127.0.0.1:5432/postgres"
BENCH_DB = "finclear_bench_workqueue"
PASSWORD = "bench-password-not-secret-1"
QUERIES = [
    "",
    "tab=at_risk",
    "tab=needs_eligibility&sort=date",
    "tab=all&page=3",
    "item=authorization",
    "sort=date&page=2",
    "assignee=unassigned",
    "tab=cleared",
]


def child_prepare(encounters: int, reuse: bool) -> None:
    """Inside the child: migrate, load, compute the cases, make the user; print JSON.

    With ``reuse`` and a database already loaded (``--keep`` of an earlier run), the load and
    the recompute are skipped."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "finclear.app.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from finclear.accounts.services import do_create_user
    from finclear.demo.load import do_load_clinic
    from finclear.demo.records import SeedParams
    from finclear.demo.synth import build_clinic
    from finclear.organizations.models import Facility
    from finclear.workqueue.models import ClearanceCase
    from finclear.workqueue.services import do_recompute_cases

    figures: dict[str, object] = {"reused": False}
    clock = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    figures["migrate_s"] = time.perf_counter() - clock
    if reuse and ClearanceCase.objects.exists():
        figures.update(reused=True, encounters=ClearanceCase.objects.count())
        user = get_user_model().objects.get(username="bench_specialist")
        return finish(figures, user)
    params = SeedParams(
        patients=encounters * 7 // 10,
        days=30,
        seed=1,
        start_date=timezone.localdate(),
        encounters=encounters,
    )
    clock = time.perf_counter()
    result = do_load_clinic(build_clinic(params))
    figures["load_s"] = time.perf_counter() - clock
    figures["encounters"] = result.counts["encounters"]
    clock = time.perf_counter()
    figures["computed"] = do_recompute_cases(ClearanceCase.objects.values_list("pk", flat=True))
    figures["recompute_s"] = time.perf_counter() - clock
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # as autovacuum would after a load
    user = do_create_user("bench_specialist", PASSWORD, "specialist", list(Facility.objects.all()))
    finish(figures, user)


def finish(figures: dict[str, object], user: object) -> None:
    """The token, the statuses and the SQL floor; print the figures as JSON."""
    from django.core.cache import cache
    from django.db.models import Count

    from finclear.api.tokens import do_create_token
    from finclear.workqueue import queries
    from finclear.workqueue.models import ClearanceCase

    _, token = do_create_token(user, "bench")
    figures["token"] = token
    figures["statuses"] = dict(
        ClearanceCase.objects.order_by().values_list("status").annotate(n=Count("id"))
    )
    # The floor: the worklist's own reads (every tab's count, uncached; one page of rows), run
    # alone, one at a time, in this process.
    samples = []
    for _ in range(40):
        cache.clear()
        clock = time.perf_counter()
        worklist = queries.build_worklist(user, {}, tab="todo", sort="priority", page=1)
        samples.append((time.perf_counter() - clock) * 1000)
    figures["sql_floor_ms"] = sorted(samples)
    figures["rows"] = len(worklist.page.rows)
    print(json.dumps(figures))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def database_urls() -> tuple[str, str]:
    """(admin URL, bench database URL) on the configured or local PostgreSQL server."""
    base = os.environ.get("FINCLEAR_DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://")):
        base = LOCAL_PG
    root = base.rsplit("/", 1)[0]
    return f"{root}/postgres", f"{root}/{BENCH_DB}"


def recreate_database(admin_url: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {BENCH_DB}")


def drop_database(admin_url: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


async def sign_in(client: httpx.AsyncClient) -> None:
    page = await client.get("/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token is not None, "no CSRF token on the login page"
    done = await client.post(
        "/login/",
        data={
            "username": "bench_specialist",
            "password": PASSWORD,
            "csrfmiddlewaretoken": token.group(1),
        },
        headers={"Referer": f"{client.base_url}/login/"},
    )
    assert done.status_code in (200, 302), done.status_code
    assert "sessionid" in client.cookies, "sign-in failed"


async def open_client(base_url: str, token: str, kind: str) -> httpx.AsyncClient:
    """A client ready to ask: with the token (API), or signed in (page)."""
    headers = {"Authorization": f"Bearer {token}"} if kind == "api" else {}
    client = httpx.AsyncClient(base_url=base_url, headers=headers, timeout=60)
    if kind == "html":
        await sign_in(client)
    return client


class RawClient:
    """The timed requests, sent over a plain socket per request.

    gunicorn's sync workers close the connection after each response, and httpx spent about
    3.5 ms of this machine's CPU on each request: CPU the served app then lacked, on the same
    two cores. This writes the request's bytes and reads the response to its end; the sign-in
    and the warm-up still go through httpx.
    """

    def __init__(self, base_url: str, headers: dict[str, str]) -> None:
        url = httpx.URL(base_url)
        self.host, self.port = url.host, url.port or 80
        self.head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())

    async def get(self, target: str) -> tuple[int, int]:
        """(status, body bytes) of ``GET target``; raises if the response is cut short."""
        reader, writer = await asyncio.open_connection(self.host, self.port)
        writer.write(
            f"GET {target} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n{self.head}"
            "Connection: close\r\n\r\n".encode()
        )
        data = await reader.read()
        writer.close()
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length" and int(value) != len(body):
                raise ValueError(f"GET {target}: {len(body)} of {int(value)} bytes")
        return status, len(body)


def raw_client(client: httpx.AsyncClient) -> RawClient:
    """A ``RawClient`` with the httpx client's credentials: its token or its session cookie."""
    headers = {k: v for k, v in client.headers.items() if k.lower() == "authorization"}
    cookies = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    if cookies:
        headers["Cookie"] = cookies
    return RawClient(str(client.base_url), headers)


async def one_client(
    client: httpx.AsyncClient | RawClient, n: int, offset: int, kind: str
) -> tuple[list[tuple[str, float]], int]:
    """``n`` requests one after the other (closed loop, no think time): each one's query and
    milliseconds, and how many failed."""
    latencies, errors = [], 0
    path = "/api/workqueue/cases" if kind == "api" else "/worklist/"
    for i in range(n):
        query = QUERIES[(offset + i) % len(QUERIES)]
        target = f"{path}?{query}" if query else path
        clock = time.perf_counter()
        if isinstance(client, RawClient):
            status, size = await client.get(target)
        else:
            response = await client.get(target)
            status, size = response.status_code, len(response.content)
        latencies.append((query, (time.perf_counter() - clock) * 1000))
        if status != 200 or size == 0:
            errors += 1
    return latencies, errors


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds the live processes ``pids`` have used so far (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def server_pids(root: int) -> list[int]:
    """The server process and its children (gunicorn's workers)."""
    pids = [root]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == root:
            pids.append(int(stat.parent.name))
    return pids


def postgres_pids() -> list[int]:
    """Every PostgreSQL server process on this machine (other work on the server counts too)."""
    pids = []
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() == "postgres":
                pids.append(int(comm.parent.name))
        except OSError:
            continue
    return pids


async def load(
    base_url: str, token: str, clients: int, n: int, kind: str, server: int
) -> dict[str, Any]:
    # Every client signs in first (the sign-in's password hash is not the worklist's cost),
    # then all start at once.
    ready = await asyncio.gather(*(open_client(base_url, token, kind) for _ in range(clients)))
    # Warm every worker (templates, names, options: what a long-running worker has), every
    # client at once so that each worker takes some.
    await asyncio.gather(*(one_client(c, len(QUERIES), i, kind) for i, c in enumerate(ready)))
    web = server_pids(server)
    database = postgres_pids()
    web_cpu, database_cpu, client_cpu = cpu_seconds(web), cpu_seconds(database), time.process_time()
    raw = [raw_client(client) for client in ready]
    clock = time.perf_counter()
    results = await asyncio.gather(
        *(one_client(client, n, c, kind) for c, client in enumerate(raw))
    )
    wall = time.perf_counter() - clock
    for client in ready:
        await client.aclose()
    web_cpu = cpu_seconds(web) - web_cpu
    database_cpu = cpu_seconds(postgres_pids()) - database_cpu
    client_cpu = time.process_time() - client_cpu
    latencies = [ms for lat, _ in results for _, ms in lat]
    by_query: dict[str, list[float]] = {}
    for lat, _ in results:
        for query, ms in lat:
            by_query.setdefault(query, []).append(ms)
    count = len(latencies)
    return {
        "by_query": {q: (percentile(v, 0.50), percentile(v, 0.95)) for q, v in by_query.items()},
        "web_cpu_ms": web_cpu * 1000 / count,
        "db_cpu_ms": database_cpu * 1000 / count,
        "client_cpu_ms": client_cpu * 1000 / count,
        "requests": len(latencies),
        "errors": sum(e for _, e in results),
        "p50": percentile(latencies, 0.50),
        "p95": percentile(latencies, 0.95),
        "p99": percentile(latencies, 0.99),
        "rps": len(latencies) / wall,
    }


def wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the app exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the app did not answer {url}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--encounters", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=25, help="per client and kind")
    parser.add_argument("--workers", type=int, default=0, help="web processes (0: serve's default)")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument(
        "--reuse", action="store_true", help="use the database a --keep run left, if loaded"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_prepare(args.encounters, args.reuse)
        return

    admin_url, bench_url = database_urls()
    try:
        if not args.reuse:
            recreate_database(admin_url)
    except Exception as exc:  # no server: say so plainly
        raise SystemExit(f"PostgreSQL is needed ({admin_url}): {exc}") from None
    var = Path(tempfile.mkdtemp(prefix="finclear-bench-wq-"))
    env = {
        **os.environ,
        "FINCLEAR_DATABASE_URL": bench_url,
        "FINCLEAR_VAR_DIR": str(var),
        "FINCLEAR_DEBUG": "0",
        "FINCLEAR_LOG_LEVEL": "WARNING",
        # One cache shared by the web processes, as the README asks of a production setup.
        "FINCLEAR_CACHE_URL": os.environ.get("FINCLEAR_CACHE_URL") or f"file://{var / 'cache'}",
        "DJANGO_SETTINGS_MODULE": "finclear.app.settings",
    }
    try:
        print(f"loading {args.encounters:,} encounters into {BENCH_DB} ...", flush=True)
        done = subprocess.run(
            [sys.executable, __file__, "--child", "--encounters", str(args.encounters),
             *(["--reuse"] if args.reuse else [])],
            env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise SystemExit(done.stderr[-4000:])
        prep = json.loads(done.stdout.strip().splitlines()[-1])
        if prep["reused"]:
            print(f"reused the loaded database: {prep['encounters']:,} cases")
        else:
            print(
                f"loaded {prep['encounters']:,} encounters in {prep['load_s']:.0f} s; "
                f"{prep['computed']:,} cases computed in {prep['recompute_s']:.0f} s "
                f"({prep['computed'] / prep['recompute_s']:.0f}/s)"
            )
        print("statuses:", ", ".join(f"{k} {v:,}" for k, v in sorted(prep["statuses"].items())))
        print(f"load average before serving: {os.getloadavg()[0]:.1f}")
        port = free_port()
        log = var / "web.log"
        with log.open("wb") as out:
            server = subprocess.Popen(
                [sys.executable, "-c", "from finclear.cli import main; main()", "serve",
                 "--port", str(port), "--workers", str(args.workers)],
                env=env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        base_url = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(f"{base_url}/login/", server, log)
            rows = []
            for kind in ("api", "html"):
                figures = asyncio.run(
                    load(base_url, prep["token"], args.clients, args.requests, kind, server.pid)
                )
                rows.append((kind, figures))
        finally:
            server.terminate()
            server.wait(timeout=20)
        floor = prep["sql_floor_ms"]
        print(
            f"\nworklist latency, {args.clients} concurrent clients, "
            f"{args.workers or (os.cpu_count() or 1) + 1} gunicorn workers, "
            f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} "
            "(target: p95 <= 150 ms)"
        )
        print(f"{'what':<44}{'requests':>9}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}"
              f"{'p99 ms':>9}{'req/s':>8}   CPU ms per request: web / PostgreSQL / client")  # fmt: skip
        names = {
            "api": "finclear GET /api/workqueue/cases (JSON)",
            "html": "finclear GET /worklist/ (HTML page)",
        }
        for kind, f in rows:
            print(
                f"{names[kind]:<44}{f['requests']:>9}{f['errors']:>8}{f['p50']:>9.1f}"
                f"{f['p95']:>9.1f}{f['p99']:>9.1f}{f['rps']:>8.1f}"
                f"   {f['web_cpu_ms']:.1f} / {f['db_cpu_ms']:.1f} / {f['client_cpu_ms']:.1f}"
            )
            by_query = sorted(f["by_query"].items(), key=lambda item: -item[1][1])
            print(
                "    p50/p95 ms by query: "
                + ", ".join(f"{q or '(none)'} {p50:.0f}/{p95:.0f}" for q, (p50, p95) in by_query)
            )
        print(
            f"{'reference: its reads alone, one at a time':<44}{len(floor):>9}{0:>8}"
            f"{statistics.median(floor):>9.1f}{percentile(floor, 0.95):>9.1f}"
            f"{percentile(floor, 0.99):>9.1f}{'':>8}"
        )
    finally:
        if args.keep:
            print(f"kept the database {bench_url}")
        else:
            drop_database(admin_url)


if __name__ == "__main__":
    main()
