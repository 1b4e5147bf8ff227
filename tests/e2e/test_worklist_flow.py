"""The specialist's day in a real browser: sign in, worklist, claim, verify eligibility with
the payer simulator (a real process, over the CORE client), see the benefits, the item clears,
next item; and two browsers racing to claim the same item, where exactly one wins.

Screenshots go to ``var/screenshots/`` (looked at by a person; nothing asserts on pixels).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from finclear.accounts.services import do_create_user
from finclear.connect.core_client import CoreGateway
from finclear.connect.gateway import PayerEndpoint
from finclear.demo.scenario import ScenarioMember
from finclear.eligibility import endpoints
from finclear.organizations.models import Department, Facility, Organization, Provider
from finclear.patients.models import Coverage, Patient
from finclear.payers.models import Payer, Plan
from finclear.scheduling.models import Encounter
from finclear.workqueue.models import ClearanceCase
from finclear.workqueue.services import do_ensure_case, do_recompute_cases
from tests.e2e.conftest import PayerSim, free_port, wait_for_health
from tests.unit.payersim.inquiries import START, scenario

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CHROMIUM = os.environ.get("FINCLEAR_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PASSWORD = "synthetic-test-password-1"
EASTERN = ZoneInfo("America/New_York")
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
_taken: set[str] = set()


def fresh_members(count: int) -> list[ScenarioMember]:
    """Active subscribers with one coverage each, not used by other tests of this process."""
    members = scenario().members
    family = {m.subscriber_member_id for m in members if m.relationship != "18"}
    seen: dict[tuple[str, str, dt.date], int] = {}
    for m in members:
        key = (m.first_name, m.last_name, m.date_of_birth)
        seen[key] = seen.get(key, 0) + 1
    found = []
    for m in reversed(members):  # from the end: the eligibility e2e tests take from the start
        key = f"{m.payer_id}:{m.member_id}"
        if (
            m.relationship == "18"
            and m.is_active_on(START)
            and m.member_id not in family
            and seen[(m.first_name, m.last_name, m.date_of_birth)] == 1
            and key not in _taken
        ):
            _taken.add(key)
            found.append(m)
            if len(found) == count:
                return found
    raise LookupError("the test scenario ran out of active subscribers")


@pytest.fixture
def connected(payersim: PayerSim):
    table = {
        p.payer_id: PayerEndpoint(
            payer_key=p.payer_id,
            url=f"{payersim.base_url}/core/mime",
            protocol="mime",
            sender_id=payersim.sender_id,
            receiver_id=p.payer_id,
            username=payersim.username,
            password=payersim.password,
            read_timeout=5.0,
            backoff_seconds=0.05,
        )
        for p in payersim.scenario.payers
    }
    gateway = CoreGateway()
    endpoints.use_endpoints(table)
    endpoints.use_gateway(gateway)
    yield
    gateway.close()
    endpoints.use_endpoints(None)
    endpoints.use_gateway(None)


@pytest.fixture
def clinic():
    org = Organization.objects.create(name="E2E Health", npi="1234567893", tin="123456789")
    facility = Facility.objects.create(
        organization=org, code="E2E", name="E2E Hospital", npi="1234567893", tin="123456789"
    )
    department = Department.objects.create(facility=facility, code="IMG", name="Imaging")
    provider = Provider.objects.create(npi="1245319599", first_name="Ada", last_name="Doc")
    return facility, department, provider


def register(clinic, member: ScenarioMember, hour: int) -> ClearanceCase:
    """A visit on the simulator's day for ``member``, registered as on the insurance card."""
    facility, department, provider = clinic
    payer, _ = Payer.objects.get_or_create(
        primary_payer_id=member.payer_id,
        defaults={"name": f"Payer {member.payer_id}", "payer_type": "commercial"},
    )
    plan, _ = Plan.objects.get_or_create(
        payer=payer, code=member.plan_code, defaults={"name": member.plan_code, "product": "ppo"}
    )
    patient = Patient.objects.create(
        facility=facility,
        mrn=f"E2E{Patient.objects.count() + 1:05d}",
        first_name=member.first_name,
        middle_name=member.middle_name,
        last_name=member.last_name,
        date_of_birth=member.date_of_birth,
        sex=member.gender,
    )
    Coverage.objects.create(
        patient=patient,
        plan=plan,
        payer=payer,
        member_id=member.member_id,
        group_number=member.group_number,
        subscriber_relationship="18",
        effective_date=member.effective_date,
    )
    encounter = Encounter.objects.create(
        facility=facility,
        department=department,
        patient=patient,
        rendering_provider=provider,
        scheduled_at=dt.datetime.combine(START, dt.time(hour), tzinfo=EASTERN),
        place_of_service="22",
    )
    case = do_ensure_case(encounter)
    do_recompute_cases([case.pk])
    return ClearanceCase.objects.get(pk=case.pk)


@pytest.fixture
def browser(monkeypatch, settings):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM} (set FINCLEAR_CHROMIUM)")
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def sign_in(context, base_url: str, username: str):
    """A signed-in page in ``context`` (a browser context: cookies of its own, 1366x768)."""
    page = context.new_page()
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/worklist/")
    return page


def shot(page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def test_login_worklist_claim_verify_clear_next(live_server, browser, clinic, connected) -> None:
    first, second = fresh_members(2)
    case_a = register(clinic, first, hour=9)
    case_b = register(clinic, second, hour=11)
    do_create_user("spec_e2e", PASSWORD, "specialist", [clinic[0]])

    page = sign_in(
        browser.new_context(viewport={"width": 1366, "height": 768}), live_server.url, "spec_e2e"
    )
    rows = page.locator("tr[data-row]")
    assert rows.count() == 2
    assert "To do 2" in page.inner_text(".wq-tabs")
    shot(page, "01-worklist")

    page.keyboard.press("j")  # first row: the most urgent
    assert page.evaluate("document.activeElement.id") == f"case-{case_a.pk}"
    page.keyboard.press("c")  # claim it
    page.wait_for_url(f"**/worklist/cases/{case_a.pk}/")
    assert "Claimed" in page.inner_text(".messages")
    assert "spec_e2e" in page.inner_text("#case-status")
    shot(page, "02-workspace-claimed")

    page.click("#eligibility button:has-text('Verify now')")
    page.wait_for_selector("#eligibility h3:has-text('Benefits by service type')", timeout=20_000)
    assert "Verified" in page.inner_text("#eligibility")
    page.wait_for_function(
        "document.getElementById('case-status-badge').textContent.trim() === 'Cleared'",
        timeout=10_000,
    )
    assert "nothing is left to do" in page.inner_text("#case-status")
    page.locator(
        "#eligibility h3:has-text('Benefits by service type')"
    ).scroll_into_view_if_needed()
    shot(page, "03-benefits")
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "04-cleared")
    case_a.refresh_from_db()
    assert (case_a.status, case_a.owner.username) == ("cleared", "spec_e2e")

    page.keyboard.press("n")  # next item
    page.wait_for_url(f"**/worklist/cases/{case_b.pk}/")
    assert second.last_name in page.inner_text("h1")
    shot(page, "05-next-item")

    page.keyboard.press("?")
    assert page.locator("dialog#shortcuts").is_visible()
    shot(page, "06-shortcuts")
    page.keyboard.press("Escape")

    page.goto(f"{live_server.url}/worklist/?tab=cleared")
    assert page.locator("tr[data-row]").count() == 1
    shot(page, "07-cleared-tab")


SEED_RACE = """
import django
django.setup()
import datetime as dt
from django.utils import timezone
from finclear.accounts.services import do_create_user
from finclear.organizations.models import Department, Facility, Organization, Provider
from finclear.patients.models import Patient
from finclear.scheduling.models import Encounter
from finclear.workqueue.services import do_ensure_case, do_recompute_cases
org = Organization.objects.create(name="Race Health", npi="1234567893", tin="123456789")
facility = Facility.objects.create(
    organization=org, code="RACE", name="Race Hospital", npi="1234567893", tin="123456789"
)
department = Department.objects.create(facility=facility, code="GEN", name="General")
provider = Provider.objects.create(npi="1245319599", first_name="Ada", last_name="Doc")
patient = Patient.objects.create(
    facility=facility, mrn="RACE1", first_name="Testpat", last_name="Racer",
    date_of_birth=dt.date(1980, 1, 1),
)
encounter = Encounter.objects.create(
    facility=facility, department=department, patient=patient, rendering_provider=provider,
    scheduled_at=timezone.now() + dt.timedelta(days=10), place_of_service="22",
)
case = do_ensure_case(encounter)
do_recompute_cases([case.pk])
for name in ("ann_e2e", "bob_e2e"):
    do_create_user(name, "%s", "specialist", [facility])
print(case.pk)
"""


def run_cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", "from finclear.cli import main; main()", *args],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


ON_POSTGRES = os.environ.get("FINCLEAR_DATABASE_URL", "").startswith(("postgres", "postgresql"))


class RaceDatabase:
    """A database of the race's own: a SQLite file, or a PostgreSQL database made for it on
    the server of FINCLEAR_DATABASE_URL (where the claim takes SELECT ... FOR UPDATE)."""

    def __init__(self, kind: str, tmp_path: Path) -> None:
        self.kind = kind
        if kind == "sqlite":
            self.url = f"sqlite:///{tmp_path / 'race.sqlite3'}"
            return
        self.name = f"finclear_race_{os.getpid()}"
        base = os.environ["FINCLEAR_DATABASE_URL"].rsplit("/", 1)[0]
        self.admin_url, self.url = f"{base}/postgres", f"{base}/{self.name}"
        self.do_admin(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")
        self.do_admin(f"CREATE DATABASE {self.name}")

    def do_admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(sql)

    def fetch_one(self, sql: str, params: tuple[object, ...]) -> tuple[object, ...] | None:
        if self.kind == "sqlite":
            with sqlite3.connect(self.url.removeprefix("sqlite:///")) as db:
                row: tuple[object, ...] | None = db.execute(sql, params).fetchone()
                return row
        import psycopg

        with psycopg.connect(self.url) as conn:
            return conn.execute(sql.replace("?", "%s"), params).fetchone()

    def drop(self) -> None:
        if self.kind != "sqlite":
            self.do_admin(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
    ]
)
def app_process(request, tmp_path):
    """The web app as real processes (``finclear serve``, two workers) on a database of its
    own, so two claims really reach the database at the same time."""
    database = RaceDatabase(request.param, tmp_path)
    env = {
        **os.environ,
        "FINCLEAR_DATABASE_URL": database.url,
        "FINCLEAR_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "finclear.app.settings",
    }
    try:
        run_cli(env, "manage", "migrate", "--noinput")
        seeded = subprocess.run(
            [sys.executable, "-c", SEED_RACE % PASSWORD],
            env=env, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        assert seeded.returncode == 0, seeded.stderr[-3000:]
        case_id = int(seeded.stdout.strip().splitlines()[-1])
        port = free_port()
        log = tmp_path / "web.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-c", "from finclear.cli import main; main()", "serve",
                 "--port", str(port), "--workers", "2"],
                env=env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        base_url = f"http://127.0.0.1:{port}"
        try:
            wait_for_health(f"{base_url}/login/", process, log)
            yield base_url, case_id, database
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    finally:
        database.drop()


def test_two_browsers_race_to_claim_the_same_item(app_process, browser) -> None:
    """Both claim through htmx at once: the winner lands on the workspace, the loser is told
    above the list who was first, and the database holds one claim."""
    base_url, case_id, database = app_process
    contexts = [browser.new_context(viewport={"width": 1366, "height": 768}) for _ in range(2)]
    pages = [
        sign_in(context, base_url, name)
        for context, name in zip(contexts, ("ann_e2e", "bob_e2e"), strict=True)
    ]
    buttons = [p.locator(f"#case-{case_id} [data-claim]") for p in pages]
    for button in buttons:
        button.wait_for()
    for button in buttons:  # both clicks go out before either answer is awaited
        button.click(no_wait_after=True)
    workspace = f"/worklist/cases/{case_id}/"
    for page in pages:
        page.wait_for_function(
            "(path) => location.pathname === path || document.querySelector('#wq-alert .message')",
            arg=workspace,
        )
    won = [p for p in pages if p.url.endswith(workspace)]
    lost = [p for p in pages if p not in won]
    assert len(won) == 1 and len(lost) == 1, [p.url for p in pages]
    won[0].wait_for_selector(".messages")
    assert "Claimed" in won[0].inner_text(".messages")
    assert "already claimed by" in lost[0].inner_text("#wq-alert")
    assert lost[0].url.endswith("/worklist/")  # no page load: the list stays where it was
    shot(won[0], f"08-race-winner-{database.kind}")
    shot(lost[0], f"09-race-loser-{database.kind}")
    winner = "ann_e2e" if won[0] is pages[0] else "bob_e2e"
    owner = database.fetch_one(
        "SELECT u.username FROM workqueue_clearancecase c JOIN auth_user u ON u.id = c.owner_id"
        " WHERE c.id = ?",
        (case_id,),
    )
    claims = database.fetch_one(
        "SELECT COUNT(*) FROM workqueue_caseactivity WHERE case_id = ? AND kind = 'claimed'",
        (case_id,),
    )
    assert owner == (winner,) and claims == (1,)
    for context in contexts:
        context.close()


def test_the_supervisor_dashboard(live_server, browser, clinic) -> None:
    for member, hour in zip(fresh_members(3), (9, 10, 11), strict=True):
        register(clinic, member, hour=hour)
    do_create_user("sue_e2e", PASSWORD, "supervisor", [clinic[0]])
    page = sign_in(
        browser.new_context(viewport={"width": 1366, "height": 768}), live_server.url, "sue_e2e"
    )
    page.click("nav >> text=Dashboard")
    page.wait_for_url("**/reports/")
    assert page.locator("svg.chart[role=img]").count() >= 3
    assert "Insurance verification rate" in page.inner_text("#kpi-insurance_verification")
    page.click("#kpi-pre_registration summary")
    shot(page, "10-dashboard")
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    shot(page, "11-dashboard-bottom")
