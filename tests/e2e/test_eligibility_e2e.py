"""The eligibility service end to end: the payer simulator as a real process, over HTTP.

The clinic in the database is built from the simulator's scenario (the same members, as a
registration desk would have typed them); the checks go through the real CORE client over
MIME and SOAP. Every 270 sent and 271 received passes finclear's validator, and x12sdk and
linuxforhealth-x12 read them with the same member, dates and amounts.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from finclear.connect.core_client import CoreGateway
from finclear.connect.gateway import PayerEndpoint
from finclear.demo.scenario import ScenarioMember
from finclear.eligibility import batch, endpoints, inquiry, services
from finclear.eligibility.models import CheckStatus, CoverageState, EligibilityCheck
from finclear.organizations.models import Department, Facility, Organization, Provider
from finclear.patients.models import Coverage, Patient
from finclear.payers.models import Payer, Plan
from finclear.rules.benefits import parse_271
from finclear.scheduling.models import Encounter, ServiceLine
from finclear.workqueue.models import Task, TaskKind
from finclear.x12 import EligibilityView, read, validate
from tests.e2e.conftest import PayerSim
from tests.unit.payersim.inquiries import (
    START,
    dependent,
    scenario,
    subscriber_of,
    terminated,
)
from tests.unit.x12.test_peers import lfh_models, values, x12sdk_models

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]
EASTERN = ZoneInfo("America/New_York")


@pytest.fixture(params=["mime", "soap"])
def connected(request, payersim: PayerSim):
    """Every payer of the scenario reachable through the simulator, over one protocol."""
    table = {
        p.payer_id: PayerEndpoint(
            payer_key=p.payer_id,
            url=f"{payersim.base_url}/core/{request.param}",
            protocol=request.param,
            sender_id=payersim.sender_id,
            receiver_id=p.payer_id,
            username=payersim.username,
            password=payersim.password,
            read_timeout=1.0,  # below the simulator's SLOW delay (1.5 s)
            backoff_seconds=0.05,
        )
        for p in payersim.scenario.payers
    }
    gateway = CoreGateway()
    endpoints.use_endpoints(table)
    endpoints.use_gateway(gateway)
    yield request.param
    gateway.close()
    endpoints.use_endpoints(None)
    endpoints.use_gateway(None)


@pytest.fixture
def site():
    org = Organization.objects.create(name="E2E Health", npi="1234567893", tin="123456789")
    facility = Facility.objects.create(
        organization=org, code="E2E", name="E2E Hospital", npi="1234567893", tin="123456789"
    )
    department = Department.objects.create(facility=facility, code="IMG", name="Imaging")
    provider = Provider.objects.create(npi="1245319599", first_name="Ada", last_name="Doc")
    return facility, department, provider


def register(site, member: ScenarioMember, *, member_id: str | None = None, cpt: str = "72148"):
    """The encounter of a patient registered with ``member``'s coverage (as on the card)."""
    facility, department, provider = site
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
    coverage = Coverage(
        patient=patient,
        plan=plan,
        payer=payer,
        member_id=member_id or member.member_id,
        group_number=member.group_number,
        subscriber_relationship=member.relationship,
        effective_date=member.effective_date,
    )
    if member.relationship != "18":
        subscriber = subscriber_of(member)
        coverage.subscriber_first_name = subscriber.first_name
        coverage.subscriber_last_name = subscriber.last_name
        coverage.subscriber_date_of_birth = subscriber.date_of_birth
        coverage.subscriber_member_id = subscriber.member_id
    coverage.save()
    encounter = Encounter.objects.create(
        facility=facility,
        department=department,
        patient=patient,
        rendering_provider=provider,
        scheduled_at=dt.datetime.combine(START, dt.time(10), tzinfo=EASTERN),
        place_of_service="22",
    )
    ServiceLine.objects.create(
        encounter=encounter, line_number=1, cpt_hcpcs=cpt, charge=Decimal("100.00")
    )
    return encounter


def check_x12(check: EligibilityCheck, tmp_path: Path) -> None:
    """Both files valid for finclear; both peers read them with our member, dates, amounts."""
    for name, text in (("270", check.raw_270), ("271", check.raw_271)):
        report = validate(read(text))
        assert report.valid, [f.describe() for f in report.errors]
        ours = EligibilityView.from_transaction(next(read(text).transactions()))
        path = tmp_path / f"check{check.pk}.{name}"
        path.write_text(text)
        for peer in (x12sdk_models, lfh_models):
            models = peer(path)
            assert ours.subscribers[0].member_id in values(models, "identification_code")
            if name == "270":
                assert check.date_of_service.isoformat() in values(models, "date_time_period")
                continue
            assert parse_271(text) == ours  # the fast reader the service uses agrees
            asked = ours.members[-1]
            assert asked.plan_begin is not None
            assert asked.plan_begin.isoformat() in values(models, "date_time_period")
            rows = values(models, "eb_segment")
            amounts = [Decimal(str(r["benefit_amount"])) for r in rows if "benefit_amount" in r]
            ours_amounts = [b.amount for m in ours.members for b in m.benefits]
            assert amounts == [a for a in ours_amounts if a is not None]
            assert len(rows) == len(ours_amounts) > 10


_used: set[str] = set()


def person_key(m: ScenarioMember) -> tuple[str, str, dt.date]:
    return (m.first_name.upper(), m.last_name.upper(), m.date_of_birth)


def fresh_subscriber() -> ScenarioMember:
    """An active subscriber with one coverage that no other test used (the simulator counts
    magic member IDs per member, across tests and protocols)."""
    members = scenario().members
    family_ids = {m.subscriber_member_id for m in members if m.relationship != "18"}
    coverages: dict[tuple[str, str, dt.date], int] = {}
    for m in members:
        coverages[person_key(m)] = coverages.get(person_key(m), 0) + 1
    for m in members:
        key = f"{m.payer_id}:{m.member_id}"
        if (
            m.relationship == "18"
            and m.is_active_on(START)
            and m.member_id not in family_ids
            and coverages[person_key(m)] == 1
            and key not in _used
        ):
            _used.add(key)
            return m
    raise LookupError("the test scenario ran out of active subscribers")


def test_an_active_subscriber_is_verified(connected, site, tmp_path):
    encounter = register(site, fresh_subscriber())

    check = services.do_verify(encounter)

    assert check.status == CheckStatus.VERIFIED, (check.error, check.reasons)
    assert check.coverage_status == CoverageState.ACTIVE
    assert check.service_types == ["30", "50", "62"]
    kinds = {(b["kind"], b["service_type"], b["network"]) for b in check.benefits}
    assert {("deductible", "30", "in"), ("out_of_pocket", "30", "in")} <= kinds
    assert any(b["service_type"] == "62" for b in check.benefits)
    check_x12(check, tmp_path)


def test_a_dependent_is_verified_in_the_dependent_loop(connected, site, tmp_path):
    member = dependent()
    encounter = register(site, member)

    check = services.do_verify(encounter)

    assert check.status == CheckStatus.VERIFIED, (check.error, check.reasons)
    view = EligibilityView.from_transaction(next(read(check.raw_271).transactions()))
    (answer,) = view.subscribers[0].dependents
    assert answer.party.first_name.upper() == member.first_name.upper()
    assert answer.request_traces[0].reference == check.trace_number
    check_x12(check, tmp_path)


def test_terminated_coverage_is_inactive_and_opens_a_task(connected, site):
    encounter = register(site, terminated())

    check = services.do_verify(encounter)

    assert (check.status, check.coverage_status) == (CheckStatus.NEEDS_REVIEW, "inactive")
    assert Task.objects.filter(case__encounter=encounter, kind=TaskKind.COVERAGE_INACTIVE).exists()


@pytest.mark.parametrize(
    ("suffix", "code", "advice"),
    [
        ("AAA72", "72", "member ID not found: check the card, try the subscriber's ID"),
        ("AAA73", "73", "the subscriber's name does not match"),
        ("AAA75", "75", "subscriber not found"),
    ],
)
def test_each_rejection_comes_back_with_its_advice(connected, site, suffix, code, advice):
    member = fresh_subscriber()
    encounter = register(site, member, member_id=member.member_id + suffix)

    check = services.do_verify(encounter)

    assert check.status == CheckStatus.REJECTED
    assert [r["code"] for r in check.rejections] == [code]
    assert check.rejections[0]["message"].startswith(advice)
    assert Task.objects.filter(case__encounter=encounter, kind=TaskKind.ELIGIBILITY).exists()


def test_a_busy_payer_is_retried_then_recorded_as_an_error(connected, site):
    member = fresh_subscriber()
    encounter = register(site, member, member_id=member.member_id + "AAA42")

    check = services.do_verify(encounter)

    assert check.status == CheckStatus.ERROR
    assert check.attempts == 3
    assert check.rejections[0]["code"] == "42"


def test_a_busy_payer_answering_on_retry_is_verified(connected, site):
    member = fresh_subscriber()
    encounter = register(site, member, member_id=member.member_id + "AAA42X1")

    check = services.do_verify(encounter)

    assert (check.status, check.attempts) == (CheckStatus.VERIFIED, 2), check.error


def test_a_timeout_is_retried(connected, site, payersim):
    member = fresh_subscriber()
    encounter = register(site, member, member_id=member.member_id + "SLOWX1")

    check = services.do_verify(encounter)

    assert (check.status, check.attempts) == (CheckStatus.VERIFIED, 2), check.error


def test_a_server_error_then_an_answer(connected, site):
    member = fresh_subscriber()
    encounter = register(site, member, member_id=member.member_id + "FAIL5X1")

    check = services.do_verify(encounter)

    assert (check.status, check.attempts) == (CheckStatus.VERIFIED, 2), check.error


def test_a_server_that_keeps_failing_is_an_error(connected, site):
    member = fresh_subscriber()
    encounter = register(site, member, member_id=member.member_id + "FAIL5")

    check = services.do_verify(encounter)

    assert check.status == CheckStatus.ERROR
    assert check.attempts == 3
    assert "HTTP 500" in check.error
    assert check.raw_270 and not check.raw_271


def test_an_answer_that_is_not_a_271_is_a_clear_error_with_nothing_half_saved(
    connected, site, monkeypatch
):
    encounter = register(site, fresh_subscriber())
    real = inquiry.build_inquiry

    def broken(*args, **kwargs):
        built = real(*args, **kwargs)
        # Drop the 2100C name: the simulator answers this invalid 270 with a 999.
        text = "\n".join(line for line in built.text.split("\n") if not line.startswith("NM1*IL"))
        return inquiry.Built270(text, built.date_of_service, built.service_types, built.dependent)

    monkeypatch.setattr(services, "build_inquiry", broken)

    check = services.do_verify(encounter)

    assert check.status == CheckStatus.ERROR
    assert "expected a 271 eligibility response, got a 999" in check.error
    assert check.benefits == [] and check.rejections == []
    assert "ST*999" in check.raw_271


def test_a_batch_verifies_the_schedule_over_http(connected, site):
    members = [fresh_subscriber(), dependent(), terminated()]
    encounters = [register(site, m) for m in members]
    today = dt.date.today()
    days = (START - today).days + 1

    run = batch.do_start_batch(max(days, 1), triggered_by="test", chunk_size=2, enqueue=False)
    for chunk_id in run.chunks.values_list("pk", flat=True):
        batch.do_run_chunk(chunk_id, worker="e2e")

    run.refresh_from_db()
    assert run.selected == len(encounters)
    assert (run.verified, run.inactive, run.errors) == (2, 1, 0)
    assert run.status == "done"
    # CORE batch mode: each check keeps its own 270 and 271 sets and the batch's PayloadID.
    for check in EligibilityCheck.objects.filter(batch_run=run):
        assert check.raw_270.startswith("ST*270*") and check.raw_271.startswith("ST*271*")
        assert check.payload_id


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_worker_processes_verify_a_batch_over_http(payersim, site, tmp_path, monkeypatch):
    """``--processes``: the chunks run in worker processes of their own (``db_worker``), which
    open the test database and read the payers file, never this process's memory."""
    import os

    from django.db import connection

    from finclear.eligibility import workers
    from finclear.eligibility.models import BatchChunk
    from finclear.workqueue.models import ClearanceCase

    members = [fresh_subscriber(), dependent(), terminated()]
    encounters = [register(site, m) for m in members]
    days = max((START - dt.date.today()).days + 1, 1)
    payers_file = tmp_path / "payers.toml"
    payers_file.write_text(
        "\n".join(
            f'[payers."{payer_id}"]\nurl = "{payersim.base_url}/core/mime"\nprotocol = "mime"\n'
            f'sender_id = "{payersim.sender_id}"\nreceiver_id = "{payer_id}"\n'
            f'username = "{payersim.username}"\npassword_env = "E2E_WORKER_PASSWORD"\n'
            for payer_id in sorted({m.payer_id for m in members})
        )
    )
    db = connection.settings_dict
    monkeypatch.setenv(
        "FINCLEAR_DATABASE_URL",
        f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    )
    monkeypatch.setenv("FINCLEAR_PAYERS_FILE", str(payers_file))
    monkeypatch.setenv("E2E_WORKER_PASSWORD", payersim.password)

    run = batch.do_start_batch(days, triggered_by="test", chunk_size=1)
    run = workers.do_run_to_end(run, 0, processes=2)

    assert run.selected == len(encounters)
    assert (run.status, run.verified, run.inactive, run.errors) == ("done", 2, 1, 0)
    pids = {
        w.split(":")[1] for w in BatchChunk.objects.filter(run=run).values_list("worker", flat=True)
    }
    assert pids and str(os.getpid()) not in pids
    # The chunks' follow-up tasks ran in the workers too: each case computed from its check.
    cases = [ClearanceCase.objects.get(encounter=e) for e in encounters]
    assert [c.status == "needs_eligibility" for c in cases[:2]] == [False, False], [
        (c.status, c.status_reason) for c in cases
    ]
    assert "inactive" in cases[2].status_reason, (cases[2].status, cases[2].status_reason)
