"""``do_copy_create`` (COPY on PostgreSQL) stores the rows ``bulk_create`` stores.

Each test writes rows through the ordinary path (``save``, ``bulk_create``), writes a copy of
each through ``do_copy_create`` with COPY forced for any number of rows, and compares what the
database holds for the two, field by field (the id, the timestamps and unique keys aside).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finclear.audit.models import AuditEvent
from finclear.eligibility import batch, bulk, endpoints
from finclear.eligibility.models import EligibilityCheck
from finclear.estimates.models import Estimate, EstimateLine
from finclear.estimates.services import do_create_estimate
from finclear.workqueue.models import Task
from tests.integration.eligibility_support import FakePayer, build_endpoint
from tests.integration.estimates_support import EstimateClinic
from tests.integration.model_builders import EASTERN, build_coverage, build_patient

pytestmark = pytest.mark.django_db
SKIPPED = {"id", "created_at", "updated_at", "trace_number", "idempotency_key"}


@pytest.fixture(autouse=True)
def copy_every_size(monkeypatch):
    monkeypatch.setattr(bulk, "MIN_ROWS", 0)


def fields_of(model):
    return [f for f in model._meta.concrete_fields if f.attname not in SKIPPED]


def clone(obj, **changes):
    model = type(obj)
    values = {f.attname: getattr(obj, f.attname) for f in fields_of(model)}
    values.update(changes)
    return model(**values)


def stored(model, pks, ignored=()):
    names = [f.attname for f in fields_of(model) if f.attname not in ignored]
    rows = {row["id"]: row for row in model.objects.filter(pk__in=pks).values("id", *names)}
    return [{k: v for k, v in rows[pk].items() if k != "id"} for pk in pks]


def assert_copies_alike(originals, **changes_of):
    """Unique fields changed by ``changes_of`` are not compared."""
    model = type(originals[0])
    copies = bulk.do_copy_create(
        model,
        [clone(o, **{k: f(o) for k, f in changes_of.items()}) for o in originals],
    )
    assert all(c.pk is not None and not c._state.adding for c in copies)
    ignored = set(changes_of)
    assert stored(model, [c.pk for c in copies], ignored) == stored(
        model, [o.pk for o in originals], ignored
    )


def test_it_uses_copy_on_postgresql_only():
    assert bulk.uses_copy(AuditEvent) == (connection.vendor == "postgresql")


def test_a_batch_chunks_checks_tasks_and_events_copy_alike(monkeypatch):
    fake = FakePayer()
    endpoints.use_endpoints({"default": build_endpoint()})
    endpoints.use_gateway(fake)
    try:
        clinic = EstimateClinic()
        day = timezone.localdate() + dt.timedelta(days=1)
        when = dt.datetime.combine(day, dt.time(10), tzinfo=EASTERN)
        clinic.visit("72148", "99213", scheduled_at=when)
        for n in range(4):
            patient = build_patient(clinic.facility)
            build_coverage(patient, clinic.plan)
            encounter = clinic.visit("99213", patient=patient, scheduled_at=when)
            if n == 0:
                fake.inactive.add(patient.coverages.get().member_id)
            do_create_estimate(encounter)
        monkeypatch.setattr(bulk, "MIN_ROWS", 10**6)  # the ordinary path writes the originals
        run = batch.do_start_batch(7, triggered_by="test", enqueue=False)
        for chunk_id in run.chunks.values_list("pk", flat=True):
            batch.do_run_chunk(chunk_id, worker="test")
        monkeypatch.setattr(bulk, "MIN_ROWS", 0)
    finally:
        endpoints.use_endpoints(None)
        endpoints.use_gateway(None)
    checks = list(EligibilityCheck.objects.order_by("pk"))
    assert len(checks) == 5 and all(c.benefits or c.coverage_status != "active" for c in checks)
    assert_copies_alike(
        checks, trace_number=lambda c: f"copy-{c.trace_number}", idempotency_key=lambda c: None
    )
    assert_copies_alike(list(Task.objects.order_by("pk")))
    assert_copies_alike(list(AuditEvent.objects.order_by("pk")))
    estimates = list(Estimate.objects.order_by("pk"))
    assert any(e.is_current and e.eligibility_check_id for e in estimates)
    assert_copies_alike(estimates, is_current=lambda e: False)
    assert_copies_alike(
        list(EstimateLine.objects.order_by("pk")), line_number=lambda line: line.line_number + 100
    )


texts = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(
            texts.map(lambda s: s[:150]),
            texts.map(lambda s: s[:200]),
            st.one_of(st.none(), st.integers(min_value=-(2**63), max_value=2**63 - 1)),
            st.dictionaries(
                st.sampled_from(["fields", "reason", "count"]),
                st.one_of(texts, st.integers(), st.lists(texts, max_size=3)),
                max_size=3,
            ),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_any_text_and_json_copies_alike(events):
    originals = AuditEvent.objects.bulk_create(
        AuditEvent(
            action="create",
            channel="cli",
            username=username,
            object_repr=text,
            patient_id=patient_id,
            detail=detail,
        )
        for username, text, patient_id, detail in events
    )
    assert_copies_alike(originals)


@pytest.fixture
def made_from(payer):
    clinic = EstimateClinic()
    encounter = clinic.visit("72148")
    return clinic, encounter, do_create_estimate(encounter)


def made_state(instance):
    """An unsaved instance's attributes, its cached relations and its state."""
    values = {k: v for k, v in vars(instance).items() if k != "_state"}
    snapshot = values.get("_finclear_audit_snapshot")  # the audit's, with its own state
    if snapshot is not None:
        values["_finclear_audit_snapshot"] = {k: v for k, v in snapshot.items() if k != "_state"}
    state = instance._state
    return values, dict(state.fields_cache), state.adding, state.db


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_a_maker_makes_what_the_model_makes(made_from, data):
    clinic, encounter, estimate = made_from
    texts = st.text(max_size=8)
    choices = {
        EligibilityCheck: {
            "encounter": st.sampled_from([encounter, None]),
            "coverage": st.just(clinic.coverage),
            "coverage_id": st.just(clinic.coverage.pk),
            "trace_number": texts,
            "status": st.sampled_from(["verified", "error"]),
            "benefits": st.lists(st.dictionaries(texts, texts, max_size=2), max_size=2),
            "reasons": st.lists(texts, max_size=2),
            "requested_at": st.just(timezone.now()),
            "elapsed_ms": st.one_of(st.none(), st.floats(0, 10)),
        },
        Estimate: {
            "encounter": st.just(encounter),
            "reason": texts,
            "notes": st.lists(texts, max_size=2),
            "coverage_id": st.one_of(st.none(), st.just(clinic.coverage.pk)),
            "complete": st.booleans(),
        },
        EstimateLine: {
            "estimate": st.just(estimate),
            "line_number": st.integers(1, 9),
            "code": texts,
            "diagnosis_codes": st.lists(texts, max_size=2),
        },
    }
    model = data.draw(st.sampled_from([EligibilityCheck, Estimate, EstimateLine]))
    values = data.draw(st.fixed_dictionaries({}, optional=choices[model]), label=model.__name__)
    made = bulk.Maker(model)
    assert made.plain
    assert made_state(made(**values)) == made_state(model(**values))
    with pytest.raises(TypeError):
        made(no_such_field=1)
