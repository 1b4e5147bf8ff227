"""The CORE envelope: MIME and SOAP round trips (hypothesis), metadata checks, error codes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finclear.connect.core_envelope import (
    CoreMessage,
    EnvelopeError,
    MessageKind,
    PayloadType,
    build_error_response,
    build_mime,
    build_request,
    build_response,
    build_soap,
    check_request,
    checksum,
    format_timestamp,
    parse_mime,
    parse_soap,
    parse_timestamp,
    read_response,
)

NOW = datetime(2026, 11, 30, 9, 15, 7, tzinfo=UTC)
# Any text XML 1.0 can carry (no other control characters), as X12 payloads are.
payloads = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs",),
        blacklist_characters="".join(chr(c) for c in range(32) if c not in (9, 10, 13))
        + "\ufffe\uffff",
    ),
    min_size=1,
    max_size=400,
).filter(str.strip)  # a blank payload is refused (PayloadRequired), as the rule says
ids = st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=15)
kinds = st.sampled_from([MessageKind.REAL_TIME, MessageKind.BATCH_SUBMISSION])


@settings(max_examples=200, deadline=None)
@given(payload=payloads, sender=ids, receiver=ids, kind=kinds, password=ids)
def test_mime_round_trip(
    payload: str, sender: str, receiver: str, kind: MessageKind, password: str
) -> None:
    request = build_request(
        kind, PayloadType.X12_270_REQUEST, sender, receiver, payload,
        username="clinic", password=password, now=NOW,
    )  # fmt: skip
    body, content_type = build_mime(request)
    assert check_request(parse_mime(body, content_type)) == request


@settings(max_examples=200, deadline=None)
@given(payload=payloads, sender=ids, receiver=ids, kind=kinds, password=ids)
def test_soap_round_trip(
    payload: str, sender: str, receiver: str, kind: MessageKind, password: str
) -> None:
    request = build_request(
        kind, PayloadType.X12_270_REQUEST, sender, receiver, payload,
        username="clinic", password=password, now=NOW,
    )  # fmt: skip
    found, fields = parse_soap(build_soap(request))
    assert found is kind
    assert check_request(fields, found) == request
    assert fields["Password"] == password


@settings(max_examples=100, deadline=None)
@given(payload=payloads)
def test_responses_round_trip_both_ways(payload: str) -> None:
    request = build_request(
        MessageKind.BATCH_SUBMISSION, PayloadType.X12_270_REQUEST, "A", "B", "x"
    )
    response = build_response(request, PayloadType.X12_271_RESPONSE, payload, now=NOW)
    assert response.checksum == checksum(payload)
    found, fields = parse_soap(build_soap(response, response=True))
    assert read_response(found, fields) == response
    body, content_type = build_mime(response)
    assert read_response(MessageKind.BATCH_SUBMISSION, parse_mime(body, content_type)) == response


def wire(**changes: str) -> dict[str, str]:
    request = build_request(
        MessageKind.BATCH_SUBMISSION, PayloadType.X12_270_REQUEST, "S", "R", "ISA~",
        username="u", password="p", now=NOW,
    )  # fmt: skip
    return {**request.wire_fields(), **changes}


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"CORERuleVersion": "2.1.0"}, "VersionMismatch"),
        ({"CORERuleVersion": ""}, "CORERuleVersionRequired"),
        ({"ProcessingMode": "Later"}, "ProcessingModeIllegal"),
        ({"PayloadType": "X12_999_Nonsense"}, "PayloadTypeIllegal"),
        ({"PayloadID": "1234"}, "PayloadIDIllegal"),
        ({"TimeStamp": "30/11/2026"}, "TimeStampIllegal"),
        ({"SenderID": " "}, "SenderIDRequired"),
        ({"ReceiverID": ""}, "ReceiverIDRequired"),
        ({"PayloadLength": "3"}, "PayloadLengthIllegal"),
        ({"PayloadLength": ""}, "PayloadLengthRequired"),
        ({"Checksum": "0" * 40}, "ChecksumIllegal"),
        ({"Checksum": "abc"}, "ChecksumIllegal"),
        ({"Payload": ""}, "PayloadRequired"),
    ],
)
def test_each_metadata_error_has_its_code(changes: dict[str, str], code: str) -> None:
    with pytest.raises(EnvelopeError) as error:
        check_request(wire(**changes))
    assert error.value.code == code
    assert error.value.status == 400


def test_the_soap_element_must_fit_the_processing_mode() -> None:
    with pytest.raises(EnvelopeError) as error:
        check_request(wire(), MessageKind.REAL_TIME)
    assert error.value.code == "ProcessingModeIllegal"


def test_a_retrieval_needs_no_payload() -> None:
    request = build_request(
        MessageKind.BATCH_RESULTS_RETRIEVAL, PayloadType.X12_BATCH_RESULTS_271, "S", "R",
        payload_id="f81d4fae-7dec-11d0-a765-00a0c91e6bf6", now=NOW,
    )  # fmt: skip
    body, content_type = build_mime(request)
    assert check_request(parse_mime(body, content_type)).kind is MessageKind.BATCH_RESULTS_RETRIEVAL


def test_credentials_stay_out_of_repr_and_errors() -> None:
    request = build_request(
        MessageKind.REAL_TIME, PayloadType.X12_270_REQUEST, "S", "R", "ISA~",
        username="u", password="s3cret-value", now=NOW,
    )  # fmt: skip
    assert "s3cret-value" not in repr(request) + str(request)
    error = build_error_response(
        MessageKind.REAL_TIME, request.wire_fields(), EnvelopeError("UnAuthorized", "no", 401)
    )
    assert "s3cret-value" not in build_mime(error)[0].decode()
    assert isinstance(error, CoreMessage)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"hello", "text/plain"),
        (
            b"--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--\r\n",
            "multipart/form-data; boundary=b",
        ),
        (b"--b\r\nno end", "multipart/form-data; boundary=b"),
        (b"", "multipart/form-data"),
    ],
)
def test_malformed_mime_is_refused_with_a_reason(body: bytes, content_type: str) -> None:
    with pytest.raises(EnvelopeError) as error:
        parse_mime(body, content_type)
    assert error.value.code == "PayloadIllegal"


@pytest.mark.parametrize(
    "body",
    [
        b"<a",
        b"<x/>",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "e">]><x>&e;</x>',
        b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body/></s:Envelope>',
    ],
)
def test_malformed_soap_is_refused(body: bytes) -> None:
    with pytest.raises(EnvelopeError):
        parse_soap(body)


@given(st.datetimes(timezones=st.just(UTC)))
def test_timestamps_round_trip_to_the_second(value: datetime) -> None:
    assert parse_timestamp(format_timestamp(value)) == value.replace(microsecond=0)


def test_a_timestamp_without_a_zone_is_utc_and_a_naive_one_cannot_be_written() -> None:
    assert parse_timestamp("2026-11-30T09:15:07") == datetime(2026, 11, 30, 9, 15, 7, tzinfo=UTC)
    with pytest.raises(ValueError):
        format_timestamp(datetime(2026, 11, 30))
