"""The simulator's trading partners: username, password, and the SenderIDs each may use.

``--users FILE`` names a TOML file::

    [users.finclear]
    password_env = "FINCLEAR_PAYER_SYNBLUE_PASSWORD"   # or: password = "..." (test files)
    sender_ids = ["FINCLEAR01"]                        # empty or absent: any

Without a file, one development partner is accepted: ``finclear`` / ``finclear-sim``.
"""

from __future__ import annotations

import hmac
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEV_USERNAME = "finclear"
DEV_PASSWORD = "finclear-sim"  # a published development credential, for the demo and tests


@dataclass(frozen=True, slots=True)
class SimUser:
    username: str
    password: str = field(repr=False)
    sender_ids: frozenset[str] = frozenset()

    def check_password(self, password: str) -> bool:
        return hmac.compare_digest(self.password.encode(), password.encode())

    def may_send_as(self, sender_id: str) -> bool:
        return not self.sender_ids or sender_id in self.sender_ids


class UsersError(Exception):
    pass


def load_users(
    path: str | os.PathLike[str] | None, environ: Mapping[str, str] | None = None
) -> dict[str, SimUser]:
    if path is None:
        return {DEV_USERNAME: SimUser(DEV_USERNAME, DEV_PASSWORD)}
    env = os.environ if environ is None else environ
    file = Path(path)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UsersError(f"{file}: cannot read the users file: {exc}") from None
    users: dict[str, SimUser] = {}
    for name, table in (data.get("users") or {}).items():
        where = f"{file}: users.{name}"
        if not isinstance(table, dict):
            raise UsersError(f"{where}: must be a table")
        password = table.get("password")
        if password is None and "password_env" in table:
            password = env.get(str(table["password_env"]))
            if not password:
                raise UsersError(f"{where}.password_env: {table['password_env']} is not set")
        if not isinstance(password, str) or not password:
            raise UsersError(f"{where}: password or password_env is required")
        senders = table.get("sender_ids", [])
        if not isinstance(senders, list) or not all(isinstance(s, str) for s in senders):
            raise UsersError(f"{where}.sender_ids: a list of SenderIDs")
        users[name] = SimUser(name, password, frozenset(senders))
    if not users:
        raise UsersError(f"{file}: no [users.<name>] table")
    return users
