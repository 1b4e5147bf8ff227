"""The scenario indexed in memory: payers by every ID they go by, members by member ID.

Built once at start-up; every 270 is answered from these dictionaries, never from a database.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date

from finclear.demo.scenario import Scenario, ScenarioMember, ScenarioPayer, ScenarioPlan

_DIGIT = re.compile(r"\d")


def id_shape(member_id: str) -> str:
    """A member ID with its digits masked: ``ZZSBC123456789`` -> ``ZZSBC999999999``."""
    return _DIGIT.sub("9", member_id.upper())


def person_key(first_name: str, last_name: str, birth_date: date | None) -> tuple[str, str, str]:
    return (first_name.upper(), last_name.upper(), birth_date.isoformat() if birth_date else "")


class ScenarioIndex:
    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.payers: dict[str, ScenarioPayer] = {}
        for payer in scenario.payers:
            self.payers[payer.payer_id.upper()] = payer
            for alias in payer.identifiers:
                self.payers.setdefault(alias.payer_id.upper(), payer)
        self.plans: dict[tuple[str, str], ScenarioPlan] = {
            (p.payer_id, p.plan_code): p for p in scenario.plans
        }
        members: dict[tuple[str, str], list[ScenarioMember]] = defaultdict(list)
        families: dict[tuple[str, str], list[ScenarioMember]] = defaultdict(list)
        people: dict[tuple[str, str, str], list[ScenarioMember]] = defaultdict(list)
        shapes: dict[str, set[str]] = defaultdict(set)
        for m in scenario.members:
            members[(m.payer_id, m.member_id.upper())].append(m)
            families[(m.payer_id, m.subscriber_member_id.upper())].append(m)
            people[person_key(m.first_name, m.last_name, m.date_of_birth)].append(m)
            shapes[m.payer_id].add(id_shape(m.member_id))
        self.members = dict(members)
        self.families = dict(families)
        self.people = dict(people)
        self.shapes = dict(shapes)

    @property
    def receiver_ids(self) -> frozenset[str]:
        """Every payer ID and clearinghouse alias: what a CORE ReceiverID may name."""
        return frozenset(self.payers)

    def payer(self, identifier: str) -> ScenarioPayer | None:
        return self.payers.get(identifier.strip().upper())

    def well_formed(self, payer_id: str, member_id: str) -> bool:
        """Whether ``member_id`` looks like one of this payer's IDs (prefix and digit count)."""
        return id_shape(member_id) in self.shapes.get(payer_id, set())

    def members_with_id(self, payer_id: str, member_id: str) -> list[ScenarioMember]:
        return self.members.get((payer_id, member_id.strip().upper()), [])

    def family(self, member: ScenarioMember) -> list[ScenarioMember]:
        return self.families.get((member.payer_id, member.subscriber_member_id.upper()), [member])

    def other_coverages(self, member: ScenarioMember, day: date) -> list[ScenarioMember]:
        """The same person's active coverages with other payers (coordination of benefits)."""
        key = person_key(member.first_name, member.last_name, member.date_of_birth)
        return [
            m
            for m in self.people.get(key, [])
            if m.payer_id != member.payer_id and m.is_active_on(day)
        ]
