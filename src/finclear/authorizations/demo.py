"""The demo pipeline's authorization step: load the sample rules, evaluate the seeded schedule,
open the authorizations it needs and request them from the payer simulator.

Requests alternate between the X12 278 and FHIR PAS (every fourth one), so the demo shows
both; the simulator decides by each member's scenario (approve, pend, deny, partial). A
pended request gets its clinical notes attached and is sent again, which the simulator
approves.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from finclear.authorizations import services
from finclear.authorizations.gateway import sender_for
from finclear.authorizations.models import Authorization, AuthorizationStatus, Channel
from finclear.eligibility.simulator import do_connect_demo_payers
from finclear.scheduling.models import Encounter, EncounterStatus

RULES_ENV = "FINCLEAR_AUTH_RULES"


def rules_file() -> Path:
    return Path(
        os.environ.get(RULES_ENV) or Path(settings.BASE_DIR) / "examples" / "auth_rules.yaml"
    )


def do_authorize_demo_schedule() -> int:
    """Returns how many requests were sent; one that cannot be built keeps its reason."""
    path = rules_file()
    result = services.do_import_rules(path.read_text(encoding="utf-8"), str(path))
    if result.problems:
        raise RuntimeError(f"{path}: {len(result.problems)} rules not loaded: {result.problems[0]}")
    open_ids = list(
        Encounter.objects.filter(status__in=[EncounterStatus.SCHEDULED, EncounterStatus.ARRIVED])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    # One outer transaction: the clearance cases it touches are recomputed once, when it
    # commits, instead of once per encounter. (Requests below keep their own transactions:
    # each is recorded before it is sent.)
    with transaction.atomic():
        services.do_evaluate_encounters(open_ids)
        for encounter in Encounter.objects.filter(pk__in=open_ids).select_related("facility"):
            services.do_open_authorizations(encounter)
    if do_connect_demo_payers() is None:
        # No scenario file on record, so no simulator to ask: the authorizations stay
        # "required", and the workqueue shows them.
        services.do_raise_alerts()
        return 0
    pending = Authorization.objects.filter(status=AuthorizationStatus.REQUIRED).select_related(
        "payer"
    )
    requested = 0
    for number, auth in enumerate(pending.order_by("pk"), 1):
        channel = Channel.FHIR_PAS if number % 4 == 0 else Channel.X12_278
        try:
            services.do_request(auth, sender_for(auth.payer), channel=channel)
        except ValidationError as exc:  # kept on the authorization, shown on its page
            services.do_note_problem(auth, "; ".join(exc.messages))
            continue
        requested += 1
    # A pended request is answered once its clinical notes are sent: send them, ask again.
    for auth in Authorization.objects.filter(status=AuthorizationStatus.PENDED).select_related(
        "payer"
    ):
        services.do_attach_document(
            auth, kind="clinical notes", reference=f"DEMO-NOTES-{auth.pk}", transmission="EL"
        )
        services.do_request(auth, sender_for(auth.payer), channel=auth.channel or Channel.X12_278)
        requested += 1
    services.do_raise_alerts()
    return requested
