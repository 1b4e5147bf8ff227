"""Prior authorization rules: which service lines need an authorization, for which payer and plan.

A rule names a payer (and optionally one of its plans) and matches a service line on its
service code (single codes and ranges), place of service, encounter type, diagnosis (ICD-10-CM
prefixes) and units (at least ``min_units``), between its effective and expiry dates. A rule
either requires an authorization or exempts the line from one (``requires: false``).

Which rule decides a line (``evaluate_line``):

1. Only rules in force on the date of service, for the line's payer, count.
2. Plan-level rules beat payer-level rules: when any rule of the line's plan matches, the
   payer-level rules are not consulted.
3. Among the matching rules of that level, the most specific wins (a single code beats a
   range, which beats "any code"; each other condition the rule sets adds to it); on a tie a
   requirement beats an exemption, then the rule ID orders them.

The 271's hints (EB11 authorization indicator, MSG text) are combined with the rules
(``combine``): a 271 that says "required" for the line's code or service makes the line
required whatever the rules say; otherwise a matching rule decides; with no matching rule the
271's Y/N/U answer decides, an authorization-related MSG makes the line unknown (to be
reviewed), and a payer whose rules are on file but none matches is "not required". A payer
with no rules at all and no hint is "unknown".

Rules load from YAML or CSV (``parse_rules``); the format is documented in
docs/authorizations.md. Bad rows are reported with the file, line and field; good rows kept.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

import yaml

from finclear.x12.views.eligibility import Benefit


class Requirement(StrEnum):
    REQUIRED = "required"
    NOT_REQUIRED = "not_required"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class CodeRange:
    """An inclusive range of service codes of the same length, e.g. 70551-70553 or J0120-J9999."""

    first: str
    last: str

    def __contains__(self, code: object) -> bool:
        return (
            isinstance(code, str)
            and len(code) == len(self.first)
            and self.first <= code <= self.last
        )

    def __str__(self) -> str:
        return f"{self.first}-{self.last}"


@dataclass(frozen=True, slots=True)
class AuthRule:
    rule_id: str
    payer: str  # the payer's key (its primary payer ID)
    effective: date
    source: str  # where the rule comes from: the payer's list, its date, page...
    plan: str = ""  # a plan code: a plan-level rule; "" applies to every plan of the payer
    codes: frozenset[str] = frozenset()  # single service codes (CPT/HCPCS)
    ranges: tuple[CodeRange, ...] = ()
    places_of_service: frozenset[str] = frozenset()
    encounter_types: frozenset[str] = frozenset()  # outpatient, inpatient, emergency
    diagnoses: tuple[str, ...] = ()  # ICD-10-CM prefixes without the dot, e.g. "M17"
    min_units: Decimal | None = None  # matches lines with at least this many units
    requires: bool = True  # False: an exemption (the matched line needs no authorization)
    expires: date | None = None
    note: str = ""

    def in_force(self, day: date) -> bool:
        return self.effective <= day and (self.expires is None or day <= self.expires)

    def matches(self, line: LineFacts) -> bool:
        if (self.codes or self.ranges) and not self.matches_code(line.code):
            return False
        return self.matches_besides_code(line)

    def matches_besides_code(self, line: LineFacts) -> bool:
        if self.places_of_service and line.place_of_service not in self.places_of_service:
            return False
        if self.encounter_types and line.encounter_type not in self.encounter_types:
            return False
        if self.diagnoses and not any(
            dx.startswith(prefix) for dx in line.diagnoses for prefix in self.diagnoses
        ):
            return False
        return self.min_units is None or line.units >= self.min_units

    def matches_code(self, code: str) -> bool:
        return code in self.codes or any(code in r for r in self.ranges)

    def specificity(self, code: str) -> int:
        score = 4 if code in self.codes else 2 if self.ranges else 0
        score += sum(
            1
            for present in (
                self.places_of_service,
                self.encounter_types,
                self.diagnoses,
                self.min_units is not None,
            )
            if present
        )
        return score

    @property
    def level(self) -> str:
        return "plan" if self.plan else "payer"

    def describe(self) -> str:
        what = "requires an authorization" if self.requires else "exempts from authorization"
        scope = f"plan {self.plan} of payer {self.payer}" if self.plan else f"payer {self.payer}"
        return f"rule {self.rule_id} ({scope}) {what}; source: {self.source}"


@dataclass(frozen=True, slots=True)
class LineFacts:
    """What the rules look at on one service line of one encounter."""

    line_number: int
    code: str
    units: Decimal
    date_of_service: date
    payer: str
    plan: str = ""
    place_of_service: str = ""
    encounter_type: str = ""
    diagnoses: tuple[str, ...] = ()
    service_types: tuple[str, ...] = ()  # X12 service types the line falls under, for 271 hints


@dataclass(frozen=True, slots=True)
class EligibilityHint:
    """What a 271 says about authorization: EB11 for a service type or a procedure, or a MSG."""

    requirement: Requirement
    procedure_code: str = ""  # EB13: the hint is about this code only
    service_types: tuple[str, ...] = ()  # EB03: about these service types ("" = every line)
    message: str = ""

    def applies_to(self, line: LineFacts) -> bool:
        if self.procedure_code:
            return self.procedure_code == line.code
        if self.service_types and line.service_types:
            return bool(set(self.service_types) & set(line.service_types))
        return True


@dataclass(frozen=True, slots=True)
class LineDecision:
    line_number: int
    code: str
    requirement: Requirement
    reason: str
    rule: AuthRule | None = None  # the rule that decided, when one did
    hint: EligibilityHint | None = None  # the 271 hint that decided, when one did


@dataclass(frozen=True, slots=True)
class RuleProblem:
    """A rule that could not be loaded: where and why."""

    source: str  # the file name
    line: int  # 1-based line in the file
    field: str
    problem: str

    def describe(self) -> str:
        return f"{self.source}, line {self.line}, {self.field}: {self.problem}"


@dataclass(slots=True)
class RuleSet:
    """Rules indexed for fast evaluation; ``payers`` are those with rules on file.

    The rules whose codes match a (payer, code) pair are worked out once and kept, as are the
    rules' descriptions: a schedule has many lines but few distinct codes.
    """

    rules: Sequence[AuthRule] = ()
    _by_payer: dict[str, tuple[AuthRule, ...]] = field(default_factory=dict)
    _by_code: dict[tuple[str, str], tuple[AuthRule, ...]] = field(default_factory=dict)
    _reasons: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        grouped: dict[str, list[AuthRule]] = {}
        for rule in self.rules:
            grouped.setdefault(rule.payer, []).append(rule)
        self._by_payer = {payer: tuple(rules) for payer, rules in grouped.items()}
        self._reasons = {rule.rule_id: rule.describe() for rule in self.rules}

    @property
    def payers(self) -> frozenset[str]:
        return frozenset(self._by_payer)

    def for_payer(self, payer: str) -> tuple[AuthRule, ...]:
        return self._by_payer.get(payer, ())

    def for_code(self, payer: str, code: str) -> tuple[AuthRule, ...]:
        """The payer's rules that match ``code`` (or any code)."""
        key = (payer, code)
        found = self._by_code.get(key)
        if found is None:
            found = tuple(
                r
                for r in self.for_payer(payer)
                if not (r.codes or r.ranges) or r.matches_code(code)
            )
            self._by_code[key] = found
        return found

    def reason(self, rule: AuthRule) -> str:
        return self._reasons.get(rule.rule_id) or rule.describe()


def evaluate_line(rules: RuleSet, line: LineFacts) -> LineDecision:
    """The rules' verdict on one line (without the 271's hints)."""
    day = line.date_of_service
    candidates = [
        r
        for r in rules.for_code(line.payer, line.code)
        if (not r.plan or r.plan == line.plan) and r.in_force(day) and r.matches_besides_code(line)
    ]
    chosen = [r for r in candidates if r.plan] or candidates
    if chosen:
        rule = chosen[0]
        if len(chosen) > 1:
            rule = max(chosen, key=lambda r: (r.specificity(line.code), r.requires, r.rule_id))
        requirement = Requirement.REQUIRED if rule.requires else Requirement.NOT_REQUIRED
        return LineDecision(line.line_number, line.code, requirement, rules.reason(rule), rule)
    if line.payer in rules.payers:
        return LineDecision(
            line.line_number,
            line.code,
            Requirement.NOT_REQUIRED,
            f"no rule of payer {line.payer} matches {line.code} on "
            f"{line.date_of_service.isoformat()}",
        )
    return LineDecision(
        line.line_number,
        line.code,
        Requirement.UNKNOWN,
        f"no authorization rules on file for payer {line.payer}",
    )


def combine(
    decision: LineDecision, line: LineFacts, hints: Iterable[EligibilityHint]
) -> LineDecision:
    """Fold the 271's hints into the rules' verdict (see the module docstring)."""
    relevant = [h for h in hints if h.applies_to(line)]
    specific = [h for h in relevant if h.procedure_code]
    indicators = [h for h in (specific or relevant) if not h.message]
    required = next((h for h in indicators if h.requirement is Requirement.REQUIRED), None)
    if required is not None:
        if decision.requirement is Requirement.REQUIRED:
            return decision
        return LineDecision(
            decision.line_number,
            decision.code,
            Requirement.REQUIRED,
            f"the 271 says an authorization is required ({_hint_scope(required)})",
            decision.rule,
            required,
        )
    if decision.rule is not None:
        return decision
    if indicators:
        hint = indicators[0]
        return LineDecision(
            decision.line_number,
            decision.code,
            hint.requirement,
            f"no rule matches; the 271 says {_words(hint.requirement)} ({_hint_scope(hint)})",
            None,
            hint,
        )
    message = next((h for h in relevant if h.message), None)
    if message is not None:
        return LineDecision(
            decision.line_number,
            decision.code,
            Requirement.UNKNOWN,
            f"no rule matches; the 271 mentions authorization: {message.message!r}",
            None,
            message,
        )
    return decision


def evaluate(
    rules: RuleSet, lines: Iterable[LineFacts], hints: Sequence[EligibilityHint] = ()
) -> list[LineDecision]:
    return [combine(evaluate_line(rules, line), line, hints) for line in lines]


def _words(requirement: Requirement) -> str:
    return {
        Requirement.REQUIRED: "an authorization is required",
        Requirement.NOT_REQUIRED: "no authorization is required",
        Requirement.UNKNOWN: "it cannot tell whether an authorization is required",
    }[requirement]


def _hint_scope(hint: EligibilityHint) -> str:
    if hint.procedure_code:
        return f"procedure {hint.procedure_code}"
    if hint.service_types:
        return f"service type {', '.join(hint.service_types)}"
    return "every service"


# -- hints from a 271 ----------------------------------------------------------------------------

_EB11 = {"Y": Requirement.REQUIRED, "N": Requirement.NOT_REQUIRED, "U": Requirement.UNKNOWN}
_AUTH_WORDS = re.compile(
    r"prior\s*auth|pre-?auth|pre-?cert|authori[sz]ation|referral required", re.IGNORECASE
)


def build_hints(benefits: Iterable[Benefit]) -> list[EligibilityHint]:
    """The authorization hints of a 271's benefits: EB11 indicators and authorization MSGs."""
    hints: list[EligibilityHint] = []
    for benefit in benefits:
        code = benefit.procedure.code if benefit.procedure else ""
        requirement = _EB11.get(benefit.authorization_required)
        if requirement is not None:
            hints.append(EligibilityHint(requirement, code, benefit.service_types))
        hints.extend(
            EligibilityHint(Requirement.UNKNOWN, code, benefit.service_types, message)
            for message in benefit.messages
            if _AUTH_WORDS.search(message)
        )
    return hints


# -- loading rules from a file -------------------------------------------------------------------

FIELDS = (
    "id",
    "payer",
    "plan",
    "codes",
    "places_of_service",
    "encounter_types",
    "diagnoses",
    "min_units",
    "requires",
    "effective",
    "expires",
    "source",
    "note",
)
REQUIRED_FIELDS = ("id", "payer", "effective", "source")
ENCOUNTER_TYPES = frozenset({"outpatient", "inpatient", "emergency"})
_CODE = re.compile(r"[A-Z0-9]{5}")
_POS = re.compile(r"\d{2}")
_ICD = re.compile(r"[A-Z][0-9A-Z]{1,6}")
_TRUE = {"true", "yes", "y", "1", "required"}
_FALSE = {"false", "no", "n", "0", "exempt"}


class RuleRowError(Exception):
    """A rule row that cannot be built: the field and the problem."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(problem)
        self.field = field
        self.problem = problem


def parse_rules(text: str, source: str) -> tuple[list[AuthRule], list[RuleProblem]]:
    """Rules from a YAML (``.yaml``/``.yml``) or CSV file's text; bad rows are reported."""
    if source.lower().endswith((".yaml", ".yml")):
        return parse_rules_yaml(text, source)
    return parse_rules_csv(text, source)


def parse_rules_csv(text: str, source: str) -> tuple[list[AuthRule], list[RuleProblem]]:
    """One rule per row; list columns separate their items with ``;``."""
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in reader.fieldnames or []]
    unknown = [name for name in header if name not in FIELDS]
    missing = [name for name in REQUIRED_FIELDS if name not in header]
    if unknown or missing:
        problem = "; ".join(
            part
            for part in (
                f"unknown columns {unknown}" if unknown else "",
                f"missing columns {missing}" if missing else "",
            )
            if part
        )
        return [], [RuleProblem(source, 1, "header", problem)]
    rows = (
        (reader.line_num, {k.strip(): (v or "").strip() for k, v in row.items() if k})
        for row in reader
    )
    return _build_all(rows, source)


def parse_rules_yaml(text: str, source: str) -> tuple[list[AuthRule], list[RuleProblem]]:
    """A mapping with a ``rules`` list, each item a mapping of the rule's fields."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        return [], [RuleProblem(source, line, "file", f"not valid YAML: {exc}")]
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        return [], [
            RuleProblem(source, 1, "rules", "the file must hold a mapping with a rules list")
        ]
    lines = _item_lines(node)
    rows: list[tuple[int, dict[str, Any]]] = []
    problems: list[RuleProblem] = []
    for index, item in enumerate(data["rules"]):
        line = lines[index] if index < len(lines) else 1
        if not isinstance(item, dict):
            problems.append(RuleProblem(source, line, "rule", "each rule must be a mapping"))
            continue
        rows.append((line, item))
    rules, more = _build_all(rows, source)
    return rules, problems + more


def _item_lines(node: yaml.Node | None) -> list[int]:
    if not isinstance(node, yaml.MappingNode):
        return []
    for key, value in node.value:
        is_rules = isinstance(key, yaml.ScalarNode) and key.value == "rules"
        if is_rules and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value.value]
    return []


def _build_all(
    rows: Iterable[tuple[int, dict[str, Any]]], source: str
) -> tuple[list[AuthRule], list[RuleProblem]]:
    rules: list[AuthRule] = []
    problems: list[RuleProblem] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        try:
            rule = build_rule(row)
        except RuleRowError as exc:
            problems.append(RuleProblem(source, line, exc.field, exc.problem))
            continue
        if rule.rule_id in seen:
            problems.append(
                RuleProblem(
                    source,
                    line,
                    "id",
                    f"{rule.rule_id} is already defined on line {seen[rule.rule_id]}",
                )
            )
            continue
        seen[rule.rule_id] = line
        rules.append(rule)
    return rules, problems


def build_rule(row: dict[str, Any]) -> AuthRule:
    """One rule from a row of field values (strings, or YAML's own types)."""
    unknown = sorted(str(k) for k in row if k not in FIELDS)
    if unknown:
        raise RuleRowError(unknown[0], f"unknown field (known: {', '.join(FIELDS)})")
    for name in REQUIRED_FIELDS:
        if _blank(row.get(name)):
            raise RuleRowError(name, "required, missing")
    codes, ranges = _codes(row.get("codes"))
    effective = _date(row, "effective")
    expires = _date(row, "expires") if not _blank(row.get("expires")) else None
    if expires is not None and expires < effective:
        raise RuleRowError(
            "expires", f"{expires.isoformat()} is before effective {effective.isoformat()}"
        )
    return AuthRule(
        rule_id=str(row["id"]).strip(),
        payer=str(row["payer"]).strip(),
        plan=str(row.get("plan") or "").strip(),
        codes=codes,
        ranges=ranges,
        places_of_service=_checked_items(row, "places_of_service", _POS, "a 2-digit POS code"),
        encounter_types=_encounter_types(row),
        diagnoses=tuple(
            sorted(_checked_items(row, "diagnoses", _ICD, "an ICD-10-CM code or prefix"))
        ),
        min_units=_units(row),
        requires=_requires(row),
        effective=effective,
        expires=expires,
        source=str(row["source"]).strip(),
        note=str(row.get("note") or "").strip(),
    )


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _items(value: Any) -> list[str]:
    if _blank(value):
        return []
    if isinstance(value, list | tuple):
        return [str(v).strip().upper() for v in value if not _blank(v)]
    return [part.strip().upper() for part in re.split(r"[;,]", str(value)) if part.strip()]


def _codes(value: Any) -> tuple[frozenset[str], tuple[CodeRange, ...]]:
    singles: set[str] = set()
    ranges: list[CodeRange] = []
    for item in _items(value):
        first, sep, last = item.partition("-")
        first, last = first.strip(), last.strip()
        for code in (first, last) if sep else (first,):
            if not _CODE.fullmatch(code):
                raise RuleRowError("codes", f"{code!r} is not a 5-character CPT/HCPCS code")
        if not sep:
            singles.add(first)
        elif first > last:
            raise RuleRowError("codes", f"range {item} runs backwards")
        elif first[0].isdigit() != last[0].isdigit() or first[-1].isdigit() != last[-1].isdigit():
            raise RuleRowError("codes", f"range {item} mixes kinds of codes")
        else:
            ranges.append(CodeRange(first, last))
    return frozenset(singles), tuple(ranges)


def _checked_items(
    row: dict[str, Any], name: str, pattern: re.Pattern[str], what: str
) -> frozenset[str]:
    items = [
        item.replace(".", "") if name == "diagnoses" else item for item in _items(row.get(name))
    ]
    for item in items:
        if not pattern.fullmatch(item):
            raise RuleRowError(name, f"{item!r} is not {what}")
    return frozenset(items)


def _encounter_types(row: dict[str, Any]) -> frozenset[str]:
    types = frozenset(item.lower() for item in _items(row.get("encounter_types")))
    unknown = sorted(types - ENCOUNTER_TYPES)
    if unknown:
        raise RuleRowError(
            "encounter_types", f"{unknown[0]!r} is not one of {', '.join(sorted(ENCOUNTER_TYPES))}"
        )
    return types


def _units(row: dict[str, Any]) -> Decimal | None:
    value = row.get("min_units")
    if _blank(value):
        return None
    if isinstance(value, float):
        raise RuleRowError(
            "min_units", f"{value!r}: write units as a whole number or a quoted decimal"
        )
    try:
        units = Decimal(str(value).strip())
    except InvalidOperation:
        raise RuleRowError("min_units", f"{value!r} is not a number") from None
    if not units.is_finite() or units <= 0:
        raise RuleRowError("min_units", f"{value!r} must be a positive number")
    return units


def _requires(row: dict[str, Any]) -> bool:
    value = row.get("requires")
    if _blank(value):
        return True
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise RuleRowError("requires", f"{value!r} is not true or false")


def _date(row: dict[str, Any], name: str) -> date:
    value = row.get(name)
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise RuleRowError(name, f"{value!r} is not a date (YYYY-MM-DD)") from None


# -- does an authorization cover a service line? -------------------------------------------------


@dataclass(frozen=True, slots=True)
class ApprovedService:
    """A service an authorization approves: its code, the units approved and used so far."""

    code: str
    units: Decimal | None = None  # None: no unit limit
    used: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class AuthorizationFacts:
    payer: str
    approved: bool  # approved or partially approved (and not cancelled or expired)
    start: date | None
    end: date | None
    services: tuple[ApprovedService, ...] = ()
    reference: str = ""  # the certification number, for the messages


@dataclass(frozen=True, slots=True)
class CoverageCheck:
    covers: bool
    problems: tuple[str, ...] = ()


def check_coverage(auth: AuthorizationFacts, line: LineFacts) -> CoverageCheck:
    """An authorization covers a line only when payer, service, dates and units all match.

    Every mismatch is named: an approved authorization whose dates miss the date of service
    is a problem to fix, not a pass.
    """
    name = f"authorization {auth.reference}" if auth.reference else "the authorization"
    problems: list[str] = []
    if auth.payer != line.payer:
        problems.append(f"{name} is from payer {auth.payer}, the line is billed to {line.payer}")
    if not auth.approved:
        problems.append(f"{name} is not approved")
    day = line.date_of_service
    if auth.start is None or auth.end is None:
        problems.append(f"{name} has no approved date span")
    elif not auth.start <= day <= auth.end:
        problems.append(
            f"{name} covers {auth.start.isoformat()} to {auth.end.isoformat()}, "
            f"not the date of service {day.isoformat()}"
        )
    service = next((s for s in auth.services if s.code == line.code), None)
    if service is None:
        problems.append(f"{name} does not approve {line.code}")
    elif service.units is not None and service.used + line.units > service.units:
        left = max(service.units - service.used, Decimal(0))
        problems.append(
            f"{name} has {left.normalize():f} of {service.units.normalize():f} units of "
            f"{line.code} left; the line needs {line.units.normalize():f}"
        )
    return CoverageCheck(not problems, tuple(problems))
