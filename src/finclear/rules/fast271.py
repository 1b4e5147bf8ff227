"""A 271 read straight from its segments into the engine's ``EligibilityView``.

The typed view (``EligibilityView.from_transaction``) reads the guide's loop tree, which the
reader builds for any transaction set; for the one shape the eligibility service reads all
day, walking the segments once skips building that tree. The result is the same
``EligibilityView`` value: tests compare the two readers on generated 271s, the payer
simulator's and the shared samples. Segments the eligibility service does not use (PER, PRV,
HSD, HI, MPI...) are skipped; a segment out of place is an ``X12Error`` naming it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from finclear.x12.errors import X12Error
from finclear.x12.tree import Segment
from finclear.x12.views.common import (
    Address,
    DatePeriod,
    Party,
    Reference,
    RequestError,
    Trace,
    date_or_none,
    decimal_value,
    padded,
    parse_period,
    party_of_nm1,
    procedure_of,
)
from finclear.x12.views.eligibility import AdditionalInfo, Benefit, EligibilityView, Member

LEVEL_LOOPS = {"20": ("2000A", "2100A"), "21": ("2000B", "2100B")}
# A payer's 271s repeat the same EB rows member after member (a plan's copays, coinsurance,
# limits): an EB with nothing but messages under it is built once per process and shared
# (``Benefit`` is immutable). Cleared when full.
_BENEFITS: dict[tuple[str, str, tuple[str, ...], tuple[str, ...]], Benefit] = {}
MAX_CACHED = 50_000
MEMBER_LOOPS = {"22": ("2000C", "2100C", "2110C"), "23": ("2000D", "2100D", "2110D")}


@dataclass
class _Benefit:
    eb: Segment
    references: list[Reference] = field(default_factory=list)
    dates: list[DatePeriod] = field(default_factory=list)
    errors: list[RequestError] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    info: list[AdditionalInfo] = field(default_factory=list)
    related: list[tuple[Segment, list[Segment]]] = field(default_factory=list)

    def build(self) -> Benefit:
        if self.references or self.dates or self.errors or self.info or self.related:
            return self._build()
        eb = self.eb
        key = (
            eb.delimiters.repetition,
            eb.delimiters.component,
            tuple(eb.elements),
            tuple(self.messages),
        )
        found = _BENEFITS.get(key)
        if found is None:
            found = self._build()
            if len(_BENEFITS) >= MAX_CACHED:
                _BENEFITS.clear()
            _BENEFITS[key] = found
        return found

    def _build(self) -> Benefit:
        eb = self.eb
        e = padded(eb, 15)
        return Benefit(
            info_code=e[1],
            coverage_level=e[2],
            service_types=tuple(eb.repeats(3)) if e[3] else (),
            insurance_type=e[4],
            plan_description=e[5],
            time_period=e[6],
            amount=decimal_value(eb, 7, e[7]) if e[7] else None,
            percent=decimal_value(eb, 8, e[8]) if e[8] else None,
            quantity_qualifier=e[9],
            quantity=decimal_value(eb, 10, e[10]) if e[10] else None,
            authorization_required=e[11],
            in_plan_network=e[12],
            procedure=procedure_of(eb, 13) if e[13] else None,
            diagnosis_pointers=tuple(eb.components(14)) if e[14] else (),
            references=tuple(self.references),
            dates=tuple(self.dates),
            errors=tuple(self.errors),
            messages=tuple(self.messages),
            additional_info=tuple(self.info),
            related_entities=tuple(party_of_nm1(nm1, _address(rest)) for nm1, rest in self.related),
        )


@dataclass
class _Member:
    level: str
    hl_id: str
    parent: str
    loops: tuple[str, str, str]
    nm1: Segment | None = None
    address: list[Segment] = field(default_factory=list)
    dmg: Segment | None = None
    ins: Segment | None = None
    traces: list[Trace] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    dates: list[DatePeriod] = field(default_factory=list)
    errors: list[RequestError] = field(default_factory=list)
    benefits: list[_Benefit] = field(default_factory=list)

    def build(self, dependents: tuple[Member, ...] = ()) -> Member:
        party = (
            party_of_nm1(self.nm1, _address(self.address))
            if self.nm1 is not None
            else Party(entity="", name="")
        )
        benefits = [b.build() for b in self.benefits]
        errors = list(self.errors)
        for b in benefits:
            errors.extend(b.errors)
        return Member(
            level="subscriber" if self.level == "22" else "dependent",
            party=party,
            birth_date=date_or_none(self.dmg, 2),
            gender=self.dmg.get(3) if self.dmg is not None else "",
            relationship=self.ins.get(2) if self.ins is not None else "",
            traces=tuple(self.traces),
            references=tuple(self.references),
            dates=tuple(self.dates),
            benefits=tuple(benefits),
            errors=tuple(errors),
            dependents=dependents,
        )


def _address(segments: list[Segment]) -> Address | None:
    n3 = next((s for s in segments if s.id == "N3"), None)
    n4 = next((s for s in segments if s.id == "N4"), None)
    if n3 is None and n4 is None:
        return None
    return Address(
        line1=n3.get(1) if n3 else "",
        line2=n3.get(2) if n3 else "",
        city=n4.get(1) if n4 else "",
        state=n4.get(2) if n4 else "",
        postal_code=n4.get(3) if n4 else "",
        country=n4.get(4) if n4 else "",
    )


def _aaa(seg: Segment, loop: str) -> RequestError:
    e = padded(seg, 5)
    return RequestError(loop, e[1], e[3], e[4])


def read_271_segments(segments: list[Segment]) -> EligibilityView:
    """The view of one 271 transaction set (ST to SE) from its segments."""
    if not segments or segments[0].id != "ST" or segments[0].get(1) != "271":
        raise X12Error("not a 271 transaction set", segment_position=1, segment_id="ST")
    st = segments[0]
    bht: Segment | None = None
    source: Party | None = None
    receiver: Party | None = None
    party_address: list[Segment] = []
    party_nm1: Segment | None = None
    level = ""
    named = False  # the current HL loop's NM1 was seen
    members: list[_Member] = []
    member: _Member | None = None
    benefit: _Benefit | None = None
    related: tuple[Segment, list[Segment]] | None = None
    in_ls = False
    all_errors: list[RequestError] = []

    def close_party() -> None:
        nonlocal source, receiver, party_nm1
        if party_nm1 is not None:
            party = party_of_nm1(party_nm1, _address(party_address))
            if level == "20":
                source = party
            elif level == "21":
                receiver = party
        party_nm1 = None
        party_address.clear()

    for seg in segments[1:]:
        sid = seg.id
        if sid == "BHT":
            bht = seg
        elif sid == "HL":
            close_party()
            level = seg.get(3)
            named = False
            benefit = None
            in_ls = False
            if level in MEMBER_LOOPS:
                member = _Member(level, seg.get(1), seg.get(2), MEMBER_LOOPS[level])
                members.append(member)
            elif level in LEVEL_LOOPS:
                member = None
            else:
                raise X12Error(
                    f"HL03 {level!r} is not a 271 level (20, 21, 22, 23)",
                    segment_position=seg.position,
                    segment_id="HL",
                    element_position=3,
                )
        elif sid == "AAA":
            if member is None:
                loops = LEVEL_LOOPS.get(level, ("", ""))
                error = _aaa(seg, loops[1] if named else loops[0])
            elif benefit is not None:
                error = _aaa(seg, member.loops[2])
                benefit.errors.append(error)
            else:
                error = _aaa(seg, member.loops[1] if named else member.loops[0])
                member.errors.append(error)
            all_errors.append(error)
        elif member is None:
            if sid == "NM1":
                party_nm1 = seg
                named = True
            elif sid in ("N3", "N4"):
                party_address.append(seg)
        elif sid == "LS":
            in_ls = True
        elif sid == "LE":
            in_ls = False
            related = None
        elif in_ls:
            if benefit is None:
                raise X12Error(
                    "LS outside a 2110 benefit", segment_position=seg.position, segment_id=sid
                )
            if sid == "NM1":
                related = (seg, [])
                benefit.related.append(related)
            elif sid in ("N3", "N4") and related is not None:
                related[1].append(seg)
        elif sid == "EB":
            benefit = _Benefit(seg)
            member.benefits.append(benefit)
        elif benefit is not None:
            if sid == "REF":
                benefit.references.append(Reference(*padded(seg, 4)[1:4]))
            elif sid == "DTP":
                benefit.dates.append(parse_period(seg))
            elif sid == "MSG":
                benefit.messages.append(seg.get(1))
            elif sid == "III":
                benefit.info.append(AdditionalInfo(seg.get(1), seg.get(2), seg.get(3), seg.get(4)))
        elif sid == "TRN":
            member.traces.append(Trace(seg.get(1), seg.get(2), seg.get(3), seg.get(4)))
        elif sid == "NM1":
            member.nm1 = seg
            named = True
        elif sid in ("N3", "N4"):
            member.address.append(seg)
        elif sid == "REF":
            member.references.append(Reference(*padded(seg, 4)[1:4]))
        elif sid == "DMG":
            member.dmg = seg
        elif sid == "INS":
            member.ins = seg
        elif sid == "DTP":
            member.dates.append(parse_period(seg))
    close_party()
    subscribers = []
    for sub in members:
        if sub.level != "22":
            continue
        dependents = tuple(m.build() for m in members if m.level == "23" and m.parent == sub.hl_id)
        subscribers.append(sub.build(dependents))
    created: date | None = date_or_none(bht, 4)
    return EligibilityView(
        transaction_set="271",
        control_number=st.get(2),
        reference=bht.get(3) if bht is not None else "",
        created=created,
        purpose=bht.get(2) if bht is not None else "",
        source=source,
        receiver=receiver,
        subscribers=tuple(subscribers),
        errors=tuple(all_errors),
    )
