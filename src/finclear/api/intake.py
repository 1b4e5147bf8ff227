"""The intake endpoints of the API (mounted at ``/api/intake/``).

Upload a schedule (CSV, HL7 v2 or FHIR R4 bundle, detected as on the command line) and get the
import's counts and problems back; list and read past import runs. Importing needs the
permissions to write patients, coverages and encounters, and only the user's facilities are
written to; every row written is in the audit trail under the token's user, channel ``api``.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import File, Form, Router, Schema
from ninja.errors import HttpError
from ninja.files import UploadedFile

from finclear.accounts.scoping import facility_ids_for
from finclear.audit.context import client_ip
from finclear.intake.access import check_can_import, check_can_view_runs
from finclear.intake.models import ImportRun
from finclear.intake.services import do_import

router = Router(tags=["intake"])

MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class ProblemOut(Schema):
    file: str
    location: str
    field: str
    message: str


class ImportOut(Schema):
    run_id: int | None
    file: str
    format: str
    dry_run: bool
    created: int
    updated: int
    unchanged: int
    failed: int
    problems: list[ProblemOut]


class RunOut(Schema):
    id: int
    file_name: str
    format: str
    channel: str
    user: str | None
    started_at: dt.datetime
    finished_at: dt.datetime | None
    created: int
    updated: int
    unchanged: int
    failed: int
    problems: list[ProblemOut]

    @staticmethod
    def resolve_user(run: ImportRun) -> str | None:
        return run.user.get_username() if run.user is not None else None


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


@router.post("/imports", response={200: ImportOut, 413: dict[str, str]})
def import_file(
    request: HttpRequest,
    file: File[UploadedFile],
    facility: Form[str] = "",
    dry_run: Form[bool] = False,
) -> Any:
    """Import an uploaded schedule; 200 with the counts and problems even when records failed."""
    user = _user(request)
    if not check_can_import(user):
        raise PermissionDenied("importing needs the permissions to write patients and visits")
    if file.size is not None and file.size > MAX_UPLOAD_BYTES:
        raise HttpError(413, f"file: larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
    name = Path(file.name or "upload").name[:200] or "upload"
    with tempfile.TemporaryDirectory(prefix="finclear-import-") as tmp:
        target = Path(tmp) / name
        with target.open("wb") as handle:
            for chunk in file.chunks():
                handle.write(chunk)
        result = do_import(
            target,
            user=user,
            facility_code=facility.strip(),
            dry_run=dry_run,
            channel="api",
            display_name=name,
            facility_ids=facility_ids_for(user),
            ip_address=client_ip(request),
            request_path=request.path[:500],
        )
    return {
        "run_id": result.run_id,
        "file": result.file,
        "format": result.format,
        "dry_run": result.dry_run,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "failed": result.failed,
        "problems": [p.model_dump() for p in result.problems],
    }


@router.get("/imports", response=list[RunOut])
def list_runs(request: HttpRequest, limit: int = 50) -> Any:
    """The latest import runs, newest first (at most 200)."""
    if not check_can_view_runs(_user(request)):
        raise PermissionDenied("reading import runs needs patients.view_patient")
    return list(ImportRun.objects.select_related("user")[: max(1, min(limit, 200))])


@router.get("/imports/{run_id}", response=RunOut)
def get_run(request: HttpRequest, run_id: int) -> Any:
    if not check_can_view_runs(_user(request)):
        raise PermissionDenied("reading import runs needs patients.view_patient")
    return get_object_or_404(ImportRun.objects.select_related("user"), pk=run_id)
