"""Creating, revoking and checking API tokens (``fc_<prefix>_<secret>``).

A token's user is kept in the shared cache (when the web processes share one, as
``finclear.accounts.access`` decides) under the token's SHA-256, for ``KEPT_SECONDS``: the
lookup was one query a request. An entry is stamped with the user's access version, which a
save or deletion of the user bumps (a deactivation is seen by the next request); a revocation,
a save or a deletion of the token forgets its entry at once and again when the transaction
commits; the expiry is checked on every request. Changes that bypass Django's signals
(``QuerySet.update`` of users, raw SQL) are seen when the entry expires.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from finclear.accounts.access import is_cache_used, user_key, version_of
from finclear.api.models import ApiToken

SCHEME = "fc"
TOUCH_EVERY = dt.timedelta(minutes=5)
KEPT_SECONDS = 60


def digest_of(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def kept_key(digest: str) -> str:
    return f"finclear:token:{digest}"


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
    do_forget_token(token.digest)


def do_forget_token(digest: str) -> None:
    """Drop the token's kept user now and again when the transaction commits (a request that
    read the row before the change committed may have kept it in between)."""
    key = kept_key(digest)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


@receiver(post_save, sender=ApiToken, dispatch_uid="finclear-api-token-saved")
@receiver(post_delete, sender=ApiToken, dispatch_uid="finclear-api-token-gone")
def on_token_changed(sender: Any, instance: ApiToken, **kwargs: Any) -> None:
    do_forget_token(instance.digest)


def find_user(token: str) -> Any:
    """The active user a token belongs to, or None (unknown, wrong, revoked, expired)."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != SCHEME:
        return None
    digest = digest_of(token)
    kept = is_cache_used()
    if kept:
        user = _kept_user(digest)
        if user is not None:
            return user
    row = ApiToken.objects.select_related("user").filter(prefix=parts[1]).first()
    if row is None or not hmac.compare_digest(row.digest, digest):
        return None
    if not row.is_usable() or not row.user.is_active:
        return None
    now = timezone.now()
    if row.last_used_at is None or now - row.last_used_at > TOUCH_EVERY:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    if kept:
        # A save of the user committed between the row's read and the version's leaves a
        # stale entry for at most KEPT_SECONDS; any later save makes it stale at once.
        stamp = version_of(user_key(row.user.pk))
        cache.set(kept_key(digest), (stamp, row.expires_at, row.user), KEPT_SECONDS)
    return row.user


def _kept_user(digest: str) -> Any:
    entry = cache.get(kept_key(digest))
    if not (isinstance(entry, tuple) and len(entry) == 3):
        return None
    stamp, expires_at, user = entry
    if expires_at is not None and timezone.now() >= expires_at:
        return None
    if stamp != cache.get(user_key(user.pk)):
        return None
    return user
