"""The roles (Django groups) and the permissions each one holds.

Entries are ``app_label.codename``, or ``view:app_label`` for every view permission of an app,
or ``all:app_label`` for every permission of an app. ``apply_roles`` works with live models and
with a migration's historical models alike. Apps added later extend these lists.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

SPECIALIST = "specialist"
COUNSELOR = "counselor"
BILLER = "biller"
SUPERVISOR = "supervisor"
ADMIN = "admin"
AUDITOR = "auditor"

# Roles whose members see every facility's patients.
ALL_FACILITY_ROLES = frozenset({ADMIN})

# Custom permissions that no model declares in its Meta: (app_label, model, codename, name).
CUSTOM_PERMISSIONS = [
    ("workqueue", "clearancecase", "override_clearance", "Can override a clearance status"),
    ("workqueue", "task", "assign_task", "Can assign tasks to other users"),
]

_READ_DOMAIN = [
    "view:organizations",
    "view:payers",
    "view:patients",
    "view:scheduling",
    "view:workqueue",
    "view:authorizations",
    "view:contracts",
    "view:estimates",
    "view:assistance",
]
# Not "view:eligibility": that would include view_raw_x12, the raw 270/271 permission.
_READ_ELIGIBILITY = ["eligibility.view_eligibilitycheck", "eligibility.view_eligibilitybatchrun"]
_WORK_CASES = [
    "workqueue.change_clearancecase",
    "workqueue.add_casenote",
    "workqueue.add_task",
    "workqueue.change_task",
]
_WORK_ESTIMATES = [
    "estimates.add_estimate",
    "estimates.deliver_estimate",
    "estimates.add_gferequest",
]
_WORK_COUNSELING = [
    "assistance.add_assistanceapplication",
    "assistance.change_assistanceapplication",
    "assistance.add_applicationdocument",
    "assistance.add_paymentplan",
    "assistance.change_paymentplan",
    "assistance.add_planpayment",
    "assistance.add_pospayment",
]
_WORK_AUTHORIZATIONS = [
    "authorizations.add_authorization",
    "authorizations.change_authorization",
    "authorizations.add_authorizationdocument",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    SPECIALIST: [
        *_READ_DOMAIN,
        *_WORK_CASES,
        "patients.add_patient",
        "patients.change_patient",
        "patients.add_guarantor",
        "patients.change_guarantor",
        "patients.add_coverage",
        "patients.change_coverage",
        "scheduling.add_encounter",
        "scheduling.change_encounter",
        *_READ_ELIGIBILITY,
        "eligibility.verify_eligibility",
        "eligibility.verify_manually",
        *_WORK_AUTHORIZATIONS,
        *_WORK_ESTIMATES,
        "assistance.add_pospayment",
    ],
    COUNSELOR: [
        *_READ_DOMAIN,
        *_WORK_CASES,
        "patients.change_guarantor",
        "patients.add_guarantor",
        "patients.change_coverage",
        *_READ_ELIGIBILITY,
        "eligibility.verify_eligibility",
        *_WORK_ESTIMATES,
        *_WORK_COUNSELING,
        "assistance.decide_application",
    ],
    BILLER: [
        *_READ_DOMAIN,
        "workqueue.add_casenote",
        "workqueue.add_task",
        "workqueue.change_task",
        "scheduling.add_serviceline",
        "scheduling.change_serviceline",
        "scheduling.delete_serviceline",
        "scheduling.add_diagnosis",
        "scheduling.change_diagnosis",
        "scheduling.delete_diagnosis",
        "scheduling.change_chargemasteritem",
        *_READ_ELIGIBILITY,
    ],
    SUPERVISOR: [
        *_READ_DOMAIN,
        *_WORK_CASES,
        "patients.add_patient",
        "patients.change_patient",
        "patients.add_guarantor",
        "patients.change_guarantor",
        "patients.add_coverage",
        "patients.change_coverage",
        "scheduling.add_encounter",
        "scheduling.change_encounter",
        "scheduling.add_serviceline",
        "scheduling.change_serviceline",
        "scheduling.add_diagnosis",
        "scheduling.change_diagnosis",
        "workqueue.add_clearancecase",
        "workqueue.delete_task",
        "workqueue.override_clearance",
        "workqueue.assign_task",
        "auth.view_user",
        *_READ_ELIGIBILITY,
        "eligibility.verify_eligibility",
        "eligibility.verify_manually",
        "eligibility.view_raw_x12",
        "eligibility.run_batch",
        *_WORK_AUTHORIZATIONS,
        "authorizations.add_authorizationrule",
        "authorizations.change_authorizationrule",
        *_WORK_ESTIMATES,
        *_WORK_COUNSELING,
        "assistance.decide_application",
    ],
    ADMIN: [
        "all:organizations",
        "all:payers",
        "all:patients",
        "all:scheduling",
        "all:workqueue",
        "all:accounts",
        "auth.view_user",
        "auth.add_user",
        "auth.change_user",
        "auth.view_group",
        "audit.view_auditevent",
        "audit.export_auditevent",
        "all:eligibility",
        "all:authorizations",
        "all:contracts",
        "all:estimates",
        "all:assistance",
    ],
    AUDITOR: [
        *_READ_DOMAIN,
        "auth.view_user",
        "audit.view_auditevent",
        "audit.export_auditevent",
        *_READ_ELIGIBILITY,
        "eligibility.view_raw_x12",
    ],
}

ROLES = tuple(ROLE_PERMISSIONS)


def resolve_permissions(
    entries: Iterable[str], permission_model: Any
) -> tuple[list[Any], list[str]]:
    """The permission rows an entry list names, and the entries that named nothing."""
    found: dict[int, Any] = {}
    missing: list[str] = []
    base = permission_model.objects.select_related("content_type")
    for entry in entries:
        if entry.startswith(("view:", "all:")):
            kind, _, app_label = entry.partition(":")
            rows = base.filter(content_type__app_label=app_label)
            if kind == "view":
                rows = rows.filter(codename__startswith="view_")
        else:
            app_label, _, codename = entry.partition(".")
            rows = base.filter(content_type__app_label=app_label, codename=codename)
        matched = list(rows)
        if not matched:
            missing.append(entry)
        found.update((p.pk, p) for p in matched)
    return list(found.values()), missing


def apply_custom_permissions(permission_model: Any, content_type_model: Any) -> list[str]:
    """Create the custom permissions whose model exists; return the ones that could not be."""
    missing = []
    for app_label, model, codename, name in CUSTOM_PERMISSIONS:
        content_type = content_type_model.objects.filter(app_label=app_label, model=model).first()
        if content_type is None:
            missing.append(f"{app_label}.{codename}")
            continue
        permission_model.objects.get_or_create(
            content_type=content_type, codename=codename, defaults={"name": name}
        )
    return missing


def apply_roles(group_model: Any, permission_model: Any, content_type_model: Any) -> list[str]:
    """Create each role's group and give it exactly its permissions.

    Returns the entries that matched no permission (a model not migrated yet, or a typo).
    """
    missing = apply_custom_permissions(permission_model, content_type_model)
    for role, entries in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=role)
        permissions, not_found = resolve_permissions(entries, permission_model)
        group.permissions.set(permissions)
        missing.extend(f"{role}: {entry}" for entry in not_found)
    return missing
