"""The people and organizations a builder names, and their NM1/N3/N4/REF/DMG segments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from finclear.x12.build.segments import SegmentMaker, ccyymmdd
from finclear.x12.tree import Segment
from finclear.x12.views.common import Address, Reference


@dataclass(frozen=True, slots=True)
class Person:
    last_name: str
    first_name: str = ""
    middle_name: str = ""
    suffix: str = ""
    member_id: str = ""  # NM109 with NM108 = MI
    birth_date: date | None = None
    gender: str = ""  # F, M, U
    address: Address | None = None
    references: tuple[Reference, ...] = ()


@dataclass(frozen=True, slots=True)
class Organization:
    """A payer, provider or clearinghouse (or a provider who is a person: entity_type 1)."""

    name: str
    id: str = ""
    id_qualifier: str = ""  # PI payer ID, XX NPI, SV provider number, 46 ETIN, FI TIN
    entity_type: str = "2"
    first_name: str = ""
    address: Address | None = None
    references: tuple[Reference, ...] = ()


def build_nm1_person(
    make: SegmentMaker, entity: str, person: Person, qualifier: str = "MI"
) -> Segment:
    return make(
        "NM1",
        entity,
        "1",
        person.last_name,
        person.first_name,
        person.middle_name,
        "",
        person.suffix,
        qualifier if person.member_id else "",
        person.member_id,
    )


def build_nm1_org(make: SegmentMaker, entity: str, org: Organization) -> Segment:
    return make(
        "NM1",
        entity,
        org.entity_type,
        org.name,
        org.first_name,
        "",
        "",
        "",
        org.id_qualifier if org.id else "",
        org.id,
    )


def build_address(make: SegmentMaker, address: Address | None) -> list[Segment]:
    if address is None:
        return []
    return [
        make("N3", address.line1, address.line2),
        make("N4", address.city, address.state, address.postal_code, address.country),
    ]


def build_refs(make: SegmentMaker, references: tuple[Reference, ...]) -> list[Segment]:
    return [make("REF", ref.qualifier, ref.value, ref.description) for ref in references]


def build_dmg(make: SegmentMaker, person: Person) -> list[Segment]:
    if person.birth_date is None and not person.gender:
        return []
    return [
        make("DMG", "D8" if person.birth_date else "", ccyymmdd(person.birth_date), person.gender)
    ]


@dataclass(frozen=True, slots=True)
class Contact:
    """A PER contact: a name and at least one way to reach it."""

    name: str = ""
    phone: str = ""  # TE
    email: str = ""  # EM
    url: str = ""  # UR
    extension: str = ""  # EX (after the phone)


def build_per(make: SegmentMaker, function: str, contact: Contact) -> Segment:
    numbers: list[str] = []
    for qualifier, value in (
        ("TE", contact.phone),
        ("EX", contact.extension),
        ("EM", contact.email),
        ("UR", contact.url),
    ):
        if value:
            numbers += [qualifier, value]
    return make("PER", function, contact.name, *numbers[:6])
