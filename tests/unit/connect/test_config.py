"""payers.toml: endpoints, passwords from the environment only, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from finclear.connect.config import ConfigError, load_endpoints

GOOD = """
[payers.SYNBLUE]
url = "https://payer.example/core/soap"
protocol = "soap"
sender_id = "FINCLEAR01"
receiver_id = "ZZ301"
username = "clinic"
password_env = "FC_TEST_PASSWORD"
read_timeout = 8
verify_tls = "/etc/ssl/certs/ca.pem"
client_cert = ["client.pem", "client.key"]
[payers.SYNBLUE.payer_id_aliases]
availity = "ZZAV003"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "payers.toml"
    path.write_text(text)
    return path


def test_an_endpoint_is_read_with_its_password_from_the_environment(tmp_path: Path) -> None:
    endpoints = load_endpoints(write(tmp_path, GOOD), {"FC_TEST_PASSWORD": "hunter22"})
    ep = endpoints["SYNBLUE"]
    assert (ep.protocol, ep.read_timeout, ep.connect_timeout, ep.max_attempts) == (
        "soap",
        8.0,
        5.0,
        3,
    )
    assert ep.password == "hunter22"
    assert ep.client_cert == ("client.pem", "client.key")
    assert ep.payer_id_aliases == {"availity": "ZZAV003"}
    assert "hunter22" not in repr(ep)


def test_the_file_comes_from_the_environment(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    env = {"FINCLEAR_PAYERS_FILE": str(path), "FC_TEST_PASSWORD": "x"}
    assert list(load_endpoints(environ=env)) == ["SYNBLUE"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (GOOD.replace('password_env = "FC_TEST_PASSWORD"', 'password = "x"'), "password_env"),
        (GOOD.replace("FC_TEST_PASSWORD", "FC_UNSET_VARIABLE"), "FC_UNSET_VARIABLE is not set"),
        (GOOD.replace('"soap"', '"ftp"'), "protocol"),
        (GOOD.replace("read_timeout = 8", "read_timeout = -1"), "read_timeout"),
        (GOOD.replace("read_timeout = 8", "retries = 8"), "unknown keys retries"),
        ("[payers", "not valid TOML"),
        ("x = 1", "[payers.<KEY>]"),
    ],
)
def test_bad_files_are_refused_saying_where(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_endpoints(write(tmp_path, text), {"FC_TEST_PASSWORD": "secret-pw"})
    assert message in str(error.value)
    assert "secret-pw" not in str(error.value)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no payers file"):
        load_endpoints(tmp_path / "absent.toml", {})
