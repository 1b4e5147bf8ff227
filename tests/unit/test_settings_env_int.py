"""Whole numbers from the environment: the default when unset, a clear error naming the
variable when the value is not a whole number or too small."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from finclear.app.settings import env_int

NAME = "FINCLEAR_TEST_SECONDS"


def test_unset_or_blank_is_the_default(monkeypatch) -> None:
    monkeypatch.delenv(NAME, raising=False)
    assert env_int(NAME, 300) == 300
    monkeypatch.setenv(NAME, "  ")
    assert env_int(NAME, 300) == 300


def test_a_whole_number_is_read(monkeypatch) -> None:
    monkeypatch.setenv(NAME, " 0 ")
    assert env_int(NAME, 300) == 0
    monkeypatch.setenv(NAME, "45")
    assert env_int(NAME, 300, minimum=1) == 45


@pytest.mark.parametrize(
    ("value", "minimum", "says"),
    [("5m", 0, "not a whole number"), ("1.5", 0, "not a whole number"), ("-1", 0, "at least 0"),
     ("0", 1, "at least 1")],
)  # fmt: skip
def test_a_bad_value_names_the_variable(monkeypatch, value, minimum, says) -> None:
    monkeypatch.setenv(NAME, value)
    with pytest.raises(ImproperlyConfigured) as error:
        env_int(NAME, 300, minimum=minimum)
    assert str(error.value).startswith(f"{NAME}={value!r}: ") and says in str(error.value)
