"""The CAQH CORE connectivity envelope (vC2.2.0), shared by the client and the payer simulator.

Two envelope standards carry the same metadata: HTTP MIME multipart (form fields) and SOAP 1.2
(the ``COREEnvelope...`` body elements, credentials in a WS-Security UsernameToken). This
module builds and parses both, and checks the metadata of a request (``check_request``), so the
client and the simulator cannot drift apart. See docs/connectivity.md for the rule's tables.

Every problem is an ``EnvelopeError`` carrying the CORE ErrorCode and the HTTP status the rule
pairs with it, and a message naming the field. Credentials never appear in a ``repr`` or an
error message.
"""

from __future__ import annotations

import hashlib
import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Literal
from xml.sax.saxutils import escape

from pydantic import BaseModel, ConfigDict, Field, SecretStr

CORE_RULE_VERSION = "2.2.0"


class ProcessingMode(StrEnum):
    REAL_TIME = "RealTime"
    BATCH = "Batch"


class PayloadType(StrEnum):
    """PayloadType values of the rule's table (the X12 ones finclear exchanges)."""

    X12_270_REQUEST = "X12_270_Request_005010X279A1"
    X12_271_RESPONSE = "X12_271_Response_005010X279A1"
    X12_276_REQUEST = "X12_276_Request_005010X212"
    X12_277_RESPONSE = "X12_277_Response_005010X212"
    X12_278_REQUEST = "X12_278_Request_005010X217E1_2"
    X12_278_RESPONSE = "X12_278_Response_005010X217E1_2"
    X12_837P_REQUEST = "X12_837_Request_005010X222A1"
    X12_837I_REQUEST = "X12_837_Request_005010X223A1_2"
    X12_999_RESPONSE = "X12_999_Response_005010X231A1"
    X12_TA1_RESPONSE = "X12_TA1_Response_00501X231A1"
    X12_BATCH_RECEIPT = "X12_BatchReceiptConfirmation"
    X12_BATCH_RESULTS_271 = "X12_005010_Request_Batch_Results_271"
    X12_BATCH_RESULTS_277 = "X12_005010_Request_Batch_Results_277"
    X12_999_RETRIEVAL = "X12_999_RetrievalRequest_005010X231A1"
    X12_999_SUBMISSION = "X12_999_SubmissionRequest_005010X231A1"


class MessageKind(StrEnum):
    """Which exchange of the rule a message belongs to (SOAP names it by its body element)."""

    REAL_TIME = "RealTime"
    BATCH_SUBMISSION = "BatchSubmission"
    BATCH_ACK_RETRIEVAL = "BatchSubmissionAckRetrieval"
    BATCH_RESULTS_RETRIEVAL = "BatchResultsRetrieval"
    BATCH_RESULTS_ACK = "BatchResultsAckSubmission"


# Batch requests whose PayloadType names a retrieval or an acknowledgment, not a submission.
BATCH_KIND_BY_TYPE: dict[str, MessageKind] = {
    PayloadType.X12_BATCH_RESULTS_271: MessageKind.BATCH_RESULTS_RETRIEVAL,
    PayloadType.X12_BATCH_RESULTS_277: MessageKind.BATCH_RESULTS_RETRIEVAL,
    PayloadType.X12_999_RETRIEVAL: MessageKind.BATCH_ACK_RETRIEVAL,
    PayloadType.X12_999_SUBMISSION: MessageKind.BATCH_RESULTS_ACK,
}
# Kinds whose request carries no payload (it names an earlier submission by PayloadID).
RETRIEVALS = frozenset({MessageKind.BATCH_ACK_RETRIEVAL, MessageKind.BATCH_RESULTS_RETRIEVAL})
# Kinds whose payload may be left out: the results acknowledgment names its batch by
# PayloadID; the 999 it may carry is optional here.
PAYLOAD_OPTIONAL = RETRIEVALS | {MessageKind.BATCH_RESULTS_ACK}

SOAP_REQUEST_ELEMENTS: dict[MessageKind, str] = {
    MessageKind.REAL_TIME: "COREEnvelopeRealTimeRequest",
    MessageKind.BATCH_SUBMISSION: "COREEnvelopeBatchSubmission",
    MessageKind.BATCH_ACK_RETRIEVAL: "COREEnvelopeBatchSubmissionAckRetrievalRequest",
    MessageKind.BATCH_RESULTS_RETRIEVAL: "COREEnvelopeBatchResultsRetrievalRequest",
    MessageKind.BATCH_RESULTS_ACK: "COREEnvelopeBatchResultsAckSubmission",
}
SOAP_RESPONSE_ELEMENTS: dict[MessageKind, str] = {
    MessageKind.REAL_TIME: "COREEnvelopeRealTimeResponse",
    MessageKind.BATCH_SUBMISSION: "COREEnvelopeBatchSubmissionResponse",
    MessageKind.BATCH_ACK_RETRIEVAL: "COREEnvelopeBatchSubmissionAckRetrievalResponse",
    MessageKind.BATCH_RESULTS_RETRIEVAL: "COREEnvelopeBatchResultsRetrievalResponse",
    MessageKind.BATCH_RESULTS_ACK: "COREEnvelopeBatchResultsAckSubmissionResponse",
}
SOAP_ACTIONS: dict[MessageKind, str] = {
    MessageKind.REAL_TIME: "RealTimeTransaction",
    MessageKind.BATCH_SUBMISSION: "BatchSubmitTransaction",
    MessageKind.BATCH_ACK_RETRIEVAL: "BatchSubmitAckRetrievalTransaction",
    MessageKind.BATCH_RESULTS_RETRIEVAL: "BatchResultsRetrievalTransaction",
    MessageKind.BATCH_RESULTS_ACK: "BatchResultsAckSubmitTransaction",
}
KIND_BY_ELEMENT = {name: kind for kind, name in SOAP_REQUEST_ELEMENTS.items()} | {
    name: kind for kind, name in SOAP_RESPONSE_ELEMENTS.items()
}


class ErrorCode(StrEnum):
    """CORE ErrorCode values: ``<Field>Required`` / ``<Field>Illegal`` per field, and these."""

    SUCCESS = "Success"
    UNAUTHORIZED = "UnAuthorized"
    VERSION_MISMATCH = "VersionMismatch"
    PAYLOAD_TYPE_ILLEGAL = "PayloadTypeIllegal"
    PROCESSING_MODE_ILLEGAL = "ProcessingModeIllegal"
    PAYLOAD_ID_ILLEGAL = "PayloadIDIllegal"
    TIMESTAMP_ILLEGAL = "TimeStampIllegal"
    SENDER_ID_ILLEGAL = "SenderIDIllegal"
    RECEIVER_ID_ILLEGAL = "ReceiverIDIllegal"
    PAYLOAD_LENGTH_ILLEGAL = "PayloadLengthIllegal"
    CHECKSUM_ILLEGAL = "ChecksumIllegal"
    PAYLOAD_ILLEGAL = "PayloadIllegal"


# Wire names, in the order the rule's examples list them.
FIELDS = (
    "PayloadType",
    "ProcessingMode",
    "PayloadID",
    "PayloadLength",
    "TimeStamp",
    "UserName",
    "Password",
    "SenderID",
    "ReceiverID",
    "CORERuleVersion",
    "Checksum",
    "ErrorCode",
    "ErrorMessage",
    "Payload",
)
REQUIRED_ALWAYS = (
    "PayloadType",
    "ProcessingMode",
    "PayloadID",
    "TimeStamp",
    "SenderID",
    "ReceiverID",
    "CORERuleVersion",
)
BATCH_SUBMISSION_REQUIRED = ("PayloadLength", "Checksum")

SOAP_NS = "http://www.w3.org/2003/05/soap-envelope"
CORE_NS = "http://www.caqh.org/SOAP/WSDL/CORERule2.2.0.xsd"
WSSE_NS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
PASSWORD_TEXT = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
    "#PasswordText"
)
SOAP_CONTENT_TYPE = "application/soap+xml; charset=utf-8"
# XML parsers turn CR LF into LF: a CR is written as a character reference to keep the
# payload's bytes (and its checksum) intact.
_KEEP_CR = {"\r": "&#13;"}

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_SHA1 = re.compile(r"^[0-9a-fA-F]{40}$")


class EnvelopeError(Exception):
    """A CORE envelope that cannot be accepted: the ErrorCode, the HTTP status, and why."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        self.code = code
        self.message = message
        self.status = status
        super().__init__(f"{code}: {message}")


def required(field: str) -> EnvelopeError:
    return EnvelopeError(f"{field}Required", f"{field} is required and was not sent")


def illegal(field: str, why: str) -> EnvelopeError:
    return EnvelopeError(f"{field}Illegal", f"{field}: {why}")


class CoreMessage(BaseModel):
    """One CORE envelope, request or response, whatever the envelope standard."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    payload_type: str
    processing_mode: ProcessingMode
    payload_id: str
    timestamp: datetime
    sender_id: str
    receiver_id: str
    core_rule_version: str = CORE_RULE_VERSION
    payload: str = ""
    payload_length: int | None = None
    checksum: str | None = None
    username: str | None = None
    password: SecretStr | None = Field(default=None, repr=False)
    error_code: str | None = None
    error_message: str | None = None
    kind: MessageKind = MessageKind.REAL_TIME

    def wire_fields(self) -> dict[str, str]:
        """The metadata as the rule names it (credentials included: never log this)."""
        out = {
            "PayloadType": self.payload_type,
            "ProcessingMode": self.processing_mode.value,
            "PayloadID": self.payload_id,
            "PayloadLength": "" if self.payload_length is None else str(self.payload_length),
            "TimeStamp": format_timestamp(self.timestamp),
            "UserName": self.username or "",
            "Password": self.password.get_secret_value() if self.password else "",
            "SenderID": self.sender_id,
            "ReceiverID": self.receiver_id,
            "CORERuleVersion": self.core_rule_version,
            "Checksum": self.checksum or "",
            "ErrorCode": self.error_code or "",
            "ErrorMessage": self.error_message or "",
            "Payload": self.payload,
        }
        return {name: value for name, value in out.items() if value or name == "Payload"}


def new_payload_id() -> str:
    return str(uuid.uuid4())


def checksum(payload: str) -> str:
    """SHA-1 of the payload's UTF-8 bytes, as 40 hexadecimal digits."""
    return hashlib.sha1(payload.encode("utf-8"), usedforsecurity=False).hexdigest()


def payload_length(payload: str) -> int:
    return len(payload.encode("utf-8"))


def format_timestamp(value: datetime) -> str:
    """xsd:dateTime in UTC with a Z, to the second (``2026-03-02T09:15:00Z``)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("a CORE TimeStamp must be timezone-aware")
    utc = value.astimezone(UTC).replace(tzinfo=None, microsecond=0)
    return utc.isoformat() + "Z"


def parse_timestamp(text: str) -> datetime:
    """An xsd:dateTime; one without a zone is read as UTC. ``ValueError`` when it is not one."""
    value = text.strip()
    if not re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}", value):
        raise ValueError(f"{text!r} is not an xsd:dateTime (YYYY-MM-DDThh:mm:ssZ)")
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def build_request(
    kind: MessageKind,
    payload_type: str,
    sender_id: str,
    receiver_id: str,
    payload: str = "",
    *,
    payload_id: str | None = None,
    username: str | None = None,
    password: str | None = None,
    now: datetime | None = None,
) -> CoreMessage:
    """A request envelope; batch submissions get PayloadLength and Checksum."""
    mode = ProcessingMode.REAL_TIME if kind is MessageKind.REAL_TIME else ProcessingMode.BATCH
    carries = kind is MessageKind.BATCH_SUBMISSION or (
        kind is MessageKind.BATCH_RESULTS_ACK and bool(payload)
    )
    return CoreMessage(
        kind=kind,
        payload_type=payload_type,
        processing_mode=mode,
        payload_id=payload_id or new_payload_id(),
        timestamp=(now or datetime.now(UTC)).replace(microsecond=0),
        sender_id=sender_id,
        receiver_id=receiver_id,
        payload=payload,
        payload_length=payload_length(payload) if carries else None,
        checksum=checksum(payload) if carries else None,
        username=username,
        password=SecretStr(password) if password is not None else None,
    )


def build_response(
    request: CoreMessage,
    payload_type: str,
    payload: str = "",
    *,
    error_code: str = ErrorCode.SUCCESS,
    error_message: str = "None",
    payload_id: str | None = None,
    now: datetime | None = None,
) -> CoreMessage:
    """The response to ``request``: sender and receiver swapped, a new PayloadID unless given."""
    batch = request.processing_mode is ProcessingMode.BATCH
    return CoreMessage(
        kind=request.kind,
        payload_type=payload_type,
        processing_mode=request.processing_mode,
        payload_id=payload_id or new_payload_id(),
        timestamp=(now or datetime.now(UTC)).replace(microsecond=0),
        sender_id=request.receiver_id,
        receiver_id=request.sender_id,
        payload=payload,
        payload_length=payload_length(payload) if batch and payload else None,
        checksum=checksum(payload) if batch and payload else None,
        error_code=error_code,
        error_message=error_message,
    )


def build_error_response(
    kind: MessageKind,
    fields: Mapping[str, str],
    error: EnvelopeError,
    now: datetime | None = None,
) -> CoreMessage:
    """An error response built from whatever metadata of the request could be read."""
    mode_text = fields.get("ProcessingMode", "")
    mode = ProcessingMode.BATCH if mode_text == "Batch" else ProcessingMode.REAL_TIME
    payload_id = fields.get("PayloadID", "")
    return CoreMessage(
        kind=kind,
        payload_type=fields.get("PayloadType", "") or "",
        processing_mode=mode,
        payload_id=payload_id if _UUID.match(payload_id) else new_payload_id(),
        timestamp=(now or datetime.now(UTC)).replace(microsecond=0),
        sender_id=fields.get("ReceiverID", ""),
        receiver_id=fields.get("SenderID", ""),
        error_code=error.code,
        error_message=error.message,
    )


# -- checking a request's metadata -------------------------------------------------------------


def kind_of(mode: str, payload_type: str) -> MessageKind:
    if mode == ProcessingMode.REAL_TIME:
        return MessageKind.REAL_TIME
    return BATCH_KIND_BY_TYPE.get(payload_type, MessageKind.BATCH_SUBMISSION)


def check_request(
    fields: Mapping[str, str], kind: MessageKind | None = None, known_types: Iterable[str] = ()
) -> CoreMessage:
    """The request of these wire fields, or the first ``EnvelopeError`` the rule defines.

    ``kind`` is the SOAP body element's kind (None for MIME: it follows from ProcessingMode and
    PayloadType). ``known_types`` limits the PayloadTypes accepted (all of ``PayloadType``
    when empty).
    """
    for name in REQUIRED_ALWAYS:
        if not fields.get(name, "").strip():
            raise required(name)
    version = fields["CORERuleVersion"].strip()
    if version != CORE_RULE_VERSION:
        raise EnvelopeError(
            ErrorCode.VERSION_MISMATCH,
            f"CORERuleVersion {version!r} is not supported: this endpoint speaks "
            f"{CORE_RULE_VERSION}",
        )
    mode = fields["ProcessingMode"].strip()
    if mode not in (ProcessingMode.REAL_TIME, ProcessingMode.BATCH):
        raise illegal("ProcessingMode", f"{mode!r} is neither RealTime nor Batch")
    payload_type = fields["PayloadType"].strip()
    allowed = set(known_types) or {t.value for t in PayloadType}
    if payload_type not in allowed:
        raise illegal("PayloadType", f"{payload_type!r} is not accepted here")
    found_kind = kind_of(mode, payload_type)
    if kind is not None and kind is not found_kind:
        raise illegal(
            "ProcessingMode",
            f"{mode} with PayloadType {payload_type} does not fit a {kind.value} message",
        )
    payload_id = fields["PayloadID"].strip()
    if not _UUID.match(payload_id):
        raise illegal("PayloadID", f"{payload_id!r} is not a UUID")
    try:
        timestamp = parse_timestamp(fields["TimeStamp"])
    except ValueError as exc:
        raise illegal("TimeStamp", str(exc)) from None
    payload = fields.get("Payload", "")
    if found_kind not in PAYLOAD_OPTIONAL and not payload.strip():
        raise required("Payload")
    length = _check_length(fields, payload, found_kind)
    digest = _check_checksum(fields, payload, found_kind)
    return CoreMessage(
        kind=found_kind,
        payload_type=payload_type,
        processing_mode=ProcessingMode(mode),
        payload_id=payload_id,
        timestamp=timestamp,
        sender_id=fields["SenderID"].strip(),
        receiver_id=fields["ReceiverID"].strip(),
        core_rule_version=version,
        payload=payload,
        payload_length=length,
        checksum=digest,
        username=fields.get("UserName") or None,
        password=SecretStr(fields["Password"]) if fields.get("Password") else None,
    )


def _check_length(fields: Mapping[str, str], payload: str, kind: MessageKind) -> int | None:
    text = fields.get("PayloadLength", "").strip()
    if not text:
        if kind is MessageKind.BATCH_SUBMISSION:
            raise required("PayloadLength")
        return None
    if not text.isdigit():
        raise illegal("PayloadLength", f"{text!r} is not a whole number of bytes")
    if int(text) != payload_length(payload):
        raise illegal(
            "PayloadLength", f"{text} bytes announced, {payload_length(payload)} received"
        )
    return int(text)


def _check_checksum(fields: Mapping[str, str], payload: str, kind: MessageKind) -> str | None:
    text = fields.get("Checksum", "").strip()
    if not text:
        if kind is MessageKind.BATCH_SUBMISSION:
            raise required("Checksum")
        return None
    if not _SHA1.match(text):
        raise illegal("Checksum", "not a SHA-1 digest (40 hexadecimal digits)")
    if text.lower() != checksum(payload):
        raise illegal("Checksum", "the SHA-1 of the payload received does not match")
    return text.lower()


# -- HTTP MIME multipart ------------------------------------------------------------------------


def build_mime(message: CoreMessage) -> tuple[bytes, str]:
    """(body, Content-Type) of a multipart/form-data message with one part per field."""
    fields = message.wire_fields()
    encoded = {name: value.encode("utf-8") for name, value in fields.items()}
    boundary = f"CORE-{uuid.uuid4().hex}"
    while any(boundary.encode() in value for value in encoded.values()):
        boundary = f"CORE-{uuid.uuid4().hex}"
    parts = []
    for name, value in encoded.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value
            + b"\r\n"
        )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


_BOUNDARY = re.compile(r'boundary="?([^";,\s]+)"?', re.IGNORECASE)
_NAME = re.compile(r'\bname="([^"]*)"', re.IGNORECASE)


def parse_mime(body: bytes, content_type: str) -> dict[str, str]:
    """The form fields of a multipart message (exactly the bytes sent, decoded as UTF-8).

    Raises ``EnvelopeError`` (HTTP 400) when the body is not multipart or a part is malformed.
    """
    if not content_type.lower().startswith(("multipart/form-data", "multipart/mixed")):
        raise EnvelopeError(
            "PayloadIllegal",
            f"Content-Type {content_type.split(';')[0]!r}: a CORE HTTP MIME message is "
            "multipart/form-data",
        )
    found = _BOUNDARY.search(content_type)
    if found is None:
        raise EnvelopeError("PayloadIllegal", "the multipart Content-Type names no boundary")
    delimiter = b"--" + found.group(1).encode("latin-1")
    chunks = body.split(delimiter)
    if len(chunks) < 3 or not chunks[-1].startswith(b"--"):
        raise EnvelopeError("PayloadIllegal", "the multipart body is not closed by its boundary")
    fields: dict[str, str] = {}
    for number, chunk in enumerate(chunks[1:-1], start=1):
        if not chunk.startswith(b"\r\n") or not chunk.endswith(b"\r\n"):
            raise EnvelopeError("PayloadIllegal", f"multipart part {number}: malformed framing")
        head, sep, value = chunk[2:-2].partition(b"\r\n\r\n")
        if not sep:
            raise EnvelopeError("PayloadIllegal", f"multipart part {number}: no header end")
        name = _NAME.search(head.decode("latin-1"))
        if name is None:
            raise EnvelopeError("PayloadIllegal", f"multipart part {number}: no field name")
        try:
            fields[name.group(1)] = value.decode("utf-8")
        except UnicodeDecodeError:
            raise EnvelopeError(
                "PayloadIllegal", f"multipart field {name.group(1)}: not UTF-8 text"
            ) from None
    return fields


# -- SOAP 1.2 -----------------------------------------------------------------------------------


def build_soap(message: CoreMessage, response: bool = False) -> bytes:
    """A SOAP 1.2 envelope; a request carries its credentials in a WS-Security UsernameToken."""
    fields = message.wire_fields()
    username = fields.pop("UserName", "")
    password = fields.pop("Password", "")
    element = (SOAP_RESPONSE_ELEMENTS if response else SOAP_REQUEST_ELEMENTS)[message.kind]
    header = ""
    if username:
        header = (
            f'<soap:Header><wsse:Security xmlns:wsse="{WSSE_NS}" soap:mustUnderstand="true">'
            f"<wsse:UsernameToken><wsse:Username>{escape(username)}</wsse:Username>"
            f'<wsse:Password Type="{PASSWORD_TEXT}">{escape(password)}</wsse:Password>'
            "</wsse:UsernameToken></wsse:Security></soap:Header>"
        )
    body = "".join(
        f"<{name}>{escape(value, _KEEP_CR)}</{name}>"
        for name, value in fields.items()
        if value or (name == "Payload" and message.kind not in RETRIEVALS)
    )
    text = (
        f'<?xml version="1.0" encoding="UTF-8"?>'
        f'<soap:Envelope xmlns:soap="{SOAP_NS}" xmlns:cor="{CORE_NS}">{header}'
        f"<soap:Body><cor:{element}>{body}</cor:{element}></soap:Body></soap:Envelope>"
    )
    return text.encode("utf-8")


def build_soap_fault(code: Literal["Sender", "Receiver"], reason: str) -> bytes:
    text = (
        f'<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="{SOAP_NS}">'
        f"<soap:Body><soap:Fault><soap:Code><soap:Value>soap:{code}</soap:Value></soap:Code>"
        f'<soap:Reason><soap:Text xml:lang="en">{escape(reason)}</soap:Text></soap:Reason>'
        "</soap:Fault></soap:Body></soap:Envelope>"
    )
    return text.encode("utf-8")


class SoapFault(Exception):
    """A SOAP Fault received instead of a CORE envelope."""

    def __init__(self, code: str, reason: str) -> None:
        self.code = code
        self.reason = reason
        super().__init__(f"SOAP fault {code}: {reason}")


def parse_soap(body: bytes) -> tuple[MessageKind, dict[str, str]]:
    """The kind (from the body element) and the wire fields of a SOAP envelope.

    Credentials from the UsernameToken come back as the UserName and Password fields. Raises
    ``EnvelopeError`` for XML that is not a CORE SOAP 1.2 envelope and ``SoapFault`` for a
    fault. DTDs are refused (no entity expansion from the network).
    """
    if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
        raise EnvelopeError("PayloadIllegal", "SOAP messages may not carry a DTD")
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise EnvelopeError(
            "PayloadIllegal", f"the SOAP message is not well-formed XML: {exc}"
        ) from None
    if root.tag != f"{{{SOAP_NS}}}Envelope":
        raise EnvelopeError(
            "PayloadIllegal", f"the root element {root.tag} is not a SOAP 1.2 Envelope"
        )
    soap_body = root.find(f"{{{SOAP_NS}}}Body")
    if soap_body is None or len(soap_body) != 1:
        raise EnvelopeError("PayloadIllegal", "the SOAP Body must hold exactly one element")
    element = soap_body[0]
    if element.tag == f"{{{SOAP_NS}}}Fault":
        raise SoapFault("".join(_texts(element, "Value")), "".join(_texts(element, "Text")))
    local = element.tag.rsplit("}", 1)[-1]
    kind = KIND_BY_ELEMENT.get(local)
    if kind is None:
        raise EnvelopeError(
            "PayloadIllegal", f"the SOAP Body element {local} is not a CORE envelope"
        )
    fields: dict[str, str] = {}
    for child in element:
        name = child.tag.rsplit("}", 1)[-1]
        if name not in FIELDS:
            raise EnvelopeError("PayloadIllegal", f"{local}: unknown element {name}")
        fields[name] = child.text or ""
    header = root.find(f"{{{SOAP_NS}}}Header")
    if header is not None:
        token = header.find(f"{{{WSSE_NS}}}Security/{{{WSSE_NS}}}UsernameToken")
        if token is not None:
            fields["UserName"] = token.findtext(f"{{{WSSE_NS}}}Username") or ""
            fields["Password"] = token.findtext(f"{{{WSSE_NS}}}Password") or ""
    return kind, fields


def _texts(element: ET.Element, local: str) -> list[str]:
    return [node.text or "" for node in element.iter() if node.tag.endswith("}" + local)]


def read_response(kind: MessageKind, fields: Mapping[str, str]) -> CoreMessage:
    """A response envelope's fields as a ``CoreMessage`` (lenient: what was sent is kept)."""
    mode = fields.get("ProcessingMode", "")
    timestamp_text = fields.get("TimeStamp", "")
    try:
        timestamp = parse_timestamp(timestamp_text)
    except ValueError:
        raise EnvelopeError(
            ErrorCode.TIMESTAMP_ILLEGAL, f"response TimeStamp {timestamp_text!r} is not a date"
        ) from None
    length = fields.get("PayloadLength", "").strip()
    return CoreMessage(
        kind=kind,
        payload_type=fields.get("PayloadType", ""),
        processing_mode=ProcessingMode(mode)
        if mode in ("RealTime", "Batch")
        else ProcessingMode.REAL_TIME,
        payload_id=fields.get("PayloadID", ""),
        timestamp=timestamp,
        sender_id=fields.get("SenderID", ""),
        receiver_id=fields.get("ReceiverID", ""),
        core_rule_version=fields.get("CORERuleVersion", ""),
        payload=fields.get("Payload", ""),
        payload_length=int(length) if length.isdigit() else None,
        checksum=fields.get("Checksum") or None,
        error_code=fields.get("ErrorCode") or None,
        error_message=fields.get("ErrorMessage") or None,
    )
