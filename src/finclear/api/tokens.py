"""Creating, revoking and checking API tokens (``fc_<prefix>_<secret>``)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone

from finclear.api.models import ApiToken

SCHEME = "fc"
TOUCH_EVERY = dt.timedelta(minutes=5)


def digest_of(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def do_create_token(user: Any, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns the row and the plaintext (shown once, never kept)."""
    if not name.strip():
        raise ValueError("name: say what the token is for")
    if days is not None and days < 1:
        raise ValueError(f"days: {days} must be at least 1")
    prefix = secrets.token_hex(6)
    token = f"{SCHEME}_{prefix}_{secrets.token_urlsafe(32)}"
    row = ApiToken.objects.create(
        user=user,
        name=name.strip()[:100],
        prefix=prefix,
        digest=digest_of(token),
        expires_at=timezone.now() + dt.timedelta(days=days) if days else None,
    )
    return row, token


def do_revoke_token(token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def find_user(token: str) -> Any:
    """The active user a token belongs to, or None (unknown, wrong, revoked, expired)."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != SCHEME:
        return None
    row = ApiToken.objects.select_related("user").filter(prefix=parts[1]).first()
    if row is None or not hmac.compare_digest(row.digest, digest_of(token)):
        return None
    if not row.is_usable() or not row.user.is_active:
        return None
    now = timezone.now()
    if row.last_used_at is None or now - row.last_used_at > TOUCH_EVERY:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.user
