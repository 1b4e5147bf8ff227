"""Payer endpoints from a TOML file (``FINCLEAR_PAYERS_FILE``, default ``var/payers.toml``).

Passwords are never written in the file: each payer names the environment variable that holds
it (``password_env``). See docs/connectivity.md for the format.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from finclear.connect.gateway import PayerEndpoint

DEFAULT_PATH = Path("var/payers.toml")
ALLOWED = frozenset(
    {
        "url",
        "protocol",
        "sender_id",
        "receiver_id",
        "username",
        "password_env",
        "connect_timeout",
        "read_timeout",
        "max_attempts",
        "backoff_seconds",
        "verify_tls",
        "client_cert",
        "payer_id_aliases",
    }
)


class ConfigError(Exception):
    """A payers file that cannot be used: names the file, the payer and the key."""


def load_endpoints(
    path: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, PayerEndpoint]:
    """Every payer of the file, by payer key."""
    env = os.environ if environ is None else environ
    file = Path(path if path is not None else env.get("FINCLEAR_PAYERS_FILE") or DEFAULT_PATH)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{file}: no payers file (set FINCLEAR_PAYERS_FILE)") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: not valid TOML: {exc}") from None
    payers = data.get("payers")
    if not isinstance(payers, dict):
        raise ConfigError(f"{file}: a [payers.<KEY>] table is required")
    return {key: build_endpoint(file, key, table, env) for key, table in payers.items()}


def build_endpoint(file: Path, key: str, table: Any, env: Mapping[str, str]) -> PayerEndpoint:
    where = f"{file}: payers.{key}"
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: must be a table")
    if "password" in table:
        raise ConfigError(
            f"{where}.password: passwords are never written in the file; name the environment "
            "variable that holds it with password_env"
        )
    unknown = sorted(set(table) - ALLOWED)
    if unknown:
        raise ConfigError(f"{where}: unknown keys {', '.join(unknown)}")
    for name in ("url", "protocol", "sender_id", "receiver_id", "username", "password_env"):
        if not isinstance(table.get(name), str) or not table[name]:
            raise ConfigError(f"{where}.{name}: required (a non-empty string)")
    if table["protocol"] not in ("mime", "soap"):
        raise ConfigError(f"{where}.protocol: {table['protocol']!r} is neither mime nor soap")
    if not table["url"].startswith(("http://", "https://")):
        raise ConfigError(f"{where}.url: must be an http:// or https:// URL")
    variable = table["password_env"]
    password = env.get(variable)
    if not password:
        raise ConfigError(f"{where}.password_env: the environment variable {variable} is not set")
    verify = table.get("verify_tls", True)
    if not isinstance(verify, bool | str):
        raise ConfigError(f"{where}.verify_tls: true, false or a CA bundle path")
    cert = table.get("client_cert")
    if cert is not None and (
        not isinstance(cert, list) or len(cert) != 2 or not all(isinstance(c, str) for c in cert)
    ):
        raise ConfigError(f"{where}.client_cert: [certificate file, key file]")
    aliases = table.get("payer_id_aliases", {})
    if not isinstance(aliases, dict) or not all(isinstance(v, str) for v in aliases.values()):
        raise ConfigError(f"{where}.payer_id_aliases: a table of clearinghouse = payer ID")
    numbers: dict[str, float] = {}
    for name, default in (
        ("connect_timeout", 5.0),
        ("read_timeout", 20.0),
        ("backoff_seconds", 0.5),
    ):
        value = table.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ConfigError(f"{where}.{name}: a number of seconds, at least 0")
        numbers[name] = float(value)
    attempts = table.get("max_attempts", 3)
    if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1:
        raise ConfigError(f"{where}.max_attempts: a whole number, at least 1")
    return PayerEndpoint(
        payer_key=key,
        url=table["url"],
        protocol=table["protocol"],
        sender_id=table["sender_id"],
        receiver_id=table["receiver_id"],
        username=table["username"],
        password=password,
        connect_timeout=numbers["connect_timeout"],
        read_timeout=numbers["read_timeout"],
        max_attempts=attempts,
        backoff_seconds=numbers["backoff_seconds"],
        verify_tls=verify,
        client_cert=(cert[0], cert[1]) if cert else None,
        payer_id_aliases=dict(aliases),
    )
