"""Code lists shared by the hand-written 5010 guides (270/271, 276, 278).

Each list is a frozenset of the values an implementation guide allows in an element; the
guide modules use them in ``ElementSpec.codes``. Lists used by a single loop of a single
guide stay in that guide's module.

Sources (see also docs/x12-guides.md):

* ASC X12N 005010X279A1 (270/271), 005010X212 (276/277), 005010X217 (278) TR3 code lists,
  as reproduced in public documentation: Stedi's public X12 reference pages
  (stedi.com/edi/x12-005010, stedi.com/edi/hipaa), payer companion guides quoting the
  TR3 tables.
* The linuxforhealth-x12 5010 pydantic models (Apache-2.0,
  github.com/LinuxForHealth/x12, ``linuxforhealth/x12/v5010``), checked code by code
  (a few typos there are corrected here and noted below).
* pyx12 4.0.0 4010 maps (BSD-3-Clause) ``270.4010.X092.A1.xml``/``271.4010.X092.A1.xml``/
  ``278.4010.X094.A1.xml`` for the lists that did not change between 4010 and 5010.
"""

from __future__ import annotations

# EQ01 / EB03 / UM03 Service Type Code (element 1365), the X279A1 list.
# Source: X279A1 EQ01/EB03 code list; linuxforhealth-x12 x12_270_005010X279A1 EQ01 enum.
SERVICE_TYPE_CODES: frozenset[str] = frozenset(
    {
        *(str(n) for n in range(1, 29)),
        "30",
        *(str(n) for n in range(32, 100)),
        "A0", "A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "A9",
        "AA", "AB", "AC", "AD", "AE", "AF", "AG", "AH", "AI", "AJ", "AK", "AL", "AM", "AN",
        "AO", "AQ", "AR",
        "B1", "B2", "B3",
        "BA", "BB", "BC", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BK", "BL", "BM", "BN",
        "BP", "BQ", "BR", "BS", "BT", "BU", "BV", "BW", "BX", "BY", "BZ",
        "C1",
        "CA", "CB", "CC", "CD", "CE", "CF", "CG", "CH", "CI", "CJ", "CK", "CL", "CM", "CN",
        "CO", "CP", "CQ",
        "DG", "DM", "DS", "GF", "GN", "GY", "IC", "MH", "NI", "ON", "PT", "PU", "RN", "RT",
        "TC", "TN", "UC",
    }
)  # fmt: skip

# EB01 Eligibility or Benefit Information Code (element 1390). Source: X279A1 EB01;
# linuxforhealth-x12 v5010 EbSegment; pyx12 271.4010.X092.A1 EB01 (unchanged in 5010).
ELIGIBILITY_BENEFIT_CODES: frozenset[str] = frozenset(
    {
        "1", "2", "3", "4", "5", "6", "7", "8",
        "A", "B", "C", "CB", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "MC",
        "N", "O", "P", "Q", "R", "S", "T", "U", "V", "W", "X", "Y",
    }
)  # fmt: skip

# EB02 / EQ03 Coverage Level Code (element 1207). Source: X279A1 EB02.
COVERAGE_LEVEL_CODES: frozenset[str] = frozenset(
    {"CHD", "DEP", "ECH", "EMP", "ESP", "FAM", "IND", "SPC", "SPO"}
)

# EB04 Insurance Type Code (element 1336). Source: X279A1 EB04; pyx12 271.4010.X092.A1 EB04
# (same list). linuxforhealth-x12 lists "POS", which is not an X12 1336 value: left out.
INSURANCE_TYPE_CODES: frozenset[str] = frozenset(
    {
        "12", "13", "14", "15", "16", "41", "42", "43", "47",
        "AP", "C1", "CO", "CP", "D", "DB", "EP", "FF", "GP", "HM", "HN", "HS", "IN", "IP",
        "LC", "LD", "LI", "LT", "MA", "MB", "MC", "MH", "MI", "MP", "OT", "PE", "PL", "PP",
        "PR", "PS", "QM", "RP", "SP", "TF", "WC", "WU",
    }
)  # fmt: skip

# EB06 / HSD05 Time Period Qualifier (element 615). Source: X279A1 EB06.
TIME_PERIOD_QUALIFIERS: frozenset[str] = frozenset(
    {"6", "7", "13", *(str(n) for n in range(21, 37))}
)

# EB09 Quantity Qualifier (element 673). Source: X279A1 EB09 (5010 added 8H, D3, M2 to the
# 4010 list). linuxforhealth-x12 writes "D8" where the guide has "DB" (deductible blood units).
BENEFIT_QUANTITY_QUALIFIERS: frozenset[str] = frozenset(
    {
        "8H", "99", "CA", "CE", "D3", "DB", "DY", "HS", "LA", "LE", "M2", "MN", "P6", "QA",
        "S7", "S8", "VS", "YY",
    }
)  # fmt: skip

# EB11 authorization indicator and EB12 In Plan Network Indicator (element 1073).
# Source: X279A1 EB11 (N, U, Y) and EB12 (N, U, W "Not Applicable", Y).
YES_NO_UNKNOWN: frozenset[str] = frozenset({"N", "U", "Y"})
IN_PLAN_NETWORK_CODES: frozenset[str] = frozenset({"N", "U", "W", "Y"})
YES_NO: frozenset[str] = frozenset({"N", "Y"})

# C003-01 Product/Service ID Qualifier in EQ02 / EB13 (element 235). Source: X279A1 EB13-1.
PROCEDURE_QUALIFIERS_ELIGIBILITY: frozenset[str] = frozenset(
    {"AD", "CJ", "HC", "ID", "IV", "N4", "ZZ"}
)

# HSD segment lists (elements 673, 355, 678, 679). Source: X279A1 / X217 HSD;
# pyx12 271.4010.X092.A1 HSD (unchanged).
HSD_QUANTITY_QUALIFIERS: frozenset[str] = frozenset({"DY", "FL", "HS", "MN", "VS"})
HSD_UNIT_CODES: frozenset[str] = frozenset({"DA", "MO", "VS", "WK", "YR"})
HSD_TIME_PERIOD_QUALIFIERS: frozenset[str] = frozenset({"6", "7", *(str(n) for n in range(21, 36))})
HSD_DELIVERY_FREQUENCY_CODES: frozenset[str] = frozenset(
    {
        *(str(n) for n in range(1, 10)),
        "A", "B", "C", "D", "E", "F", "G", "H", "J", "K", "L", "M", "N", "O", "P", "Q", "R",
        "S", "T", "U", "V", "W", "X", "Y", "Z", "SG", "SL", "SP", "SX", "SY", "SZ",
    }
)  # fmt: skip
HSD_DELIVERY_PATTERN_TIME_CODES: frozenset[str] = frozenset(
    {"A", "B", "C", "D", "E", "F", "G", "Y"}
)

# AAA01 Valid Request Indicator (element 1073).
VALID_REQUEST_INDICATORS: frozenset[str] = frozenset({"N", "Y"})

# AAA03 Reject Reason Code (element 901): every value used by X279A1 and X217, the union of
# the per-loop lists kept in the guide modules. Source: X279A1 / X217 AAA03 tables;
# linuxforhealth-x12 271 AAA enums; pyx12 271.4010.X092.A1 / 278.4010.X094.A1.
REJECT_REASON_CODES: frozenset[str] = frozenset(
    {
        "04", "15", "33", "35", "41", "42", "43", "44", "45", "46", "47", "48", "49", "50",
        "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63", "64", "65",
        "66", "67", "68", "69", "70", "71", "72", "73", "74", "75", "76", "77", "78", "79",
        "80", "97", "98", "AA", "AE", "AF", "AG", "AO", "CI", "E8", "IA", "MA", "T4",
    }
)  # fmt: skip

# AAA04 Follow-up Action Code (element 889). Source: X279A1 / X217 AAA04.
FOLLOW_UP_ACTION_CODES: frozenset[str] = frozenset({"C", "N", "P", "R", "S", "W", "X", "Y"})

# DTP02 / DMG01 Date Time Period Format Qualifier (element 1250).
DATE_FORMAT_D8: frozenset[str] = frozenset({"D8"})
DATE_FORMATS_D8_RD8: frozenset[str] = frozenset({"D8", "RD8"})

# DMG03 Gender Code (element 1068). Source: X279A1 / X212 / X217 DMG03.
GENDER_CODES: frozenset[str] = frozenset({"F", "M", "U"})

# NM102 Entity Type Qualifier (element 1065).
ENTITY_PERSON: frozenset[str] = frozenset({"1"})
ENTITY_NON_PERSON: frozenset[str] = frozenset({"2"})
ENTITY_TYPES: frozenset[str] = frozenset({"1", "2"})

# INS02 Individual Relationship Code (element 1069) for a dependent patient.
# Source: X279A1 2100D INS02 / X217 2010D INS02; linuxforhealth-x12 Loop2100DInsSegment.
DEPENDENT_RELATIONSHIP_CODES: frozenset[str] = frozenset(
    {"01", "19", "20", "21", "39", "40", "53", "G8"}
)

# PER03/05/07 Communication Number Qualifier (element 365).
COMMUNICATION_QUALIFIERS: frozenset[str] = frozenset({"ED", "EM", "EX", "FX", "TE", "UR", "WP"})

# PRV01 Provider Code (element 1221). Source: X279A1 2100B PRV01; linuxforhealth-x12.
PROVIDER_CODES_ELIGIBILITY: frozenset[str] = frozenset(
    {
        "AD", "AT", "BI", "CO", "CV", "H", "HH", "LA", "OT", "P1", "P2", "PC", "PE", "R",
        "RF", "SB", "SK", "SU",
    }
)  # fmt: skip

# III01 Code List Qualifier Code (element 1270) in X279A1 III: GR (NCCI nature of injury),
# NI (nature of injury), ZZ (mutually defined: place of service). Source: X279A1 III01;
# linuxforhealth-x12 v5010 IiiSegment.
III_CODE_LIST_QUALIFIERS: frozenset[str] = frozenset({"GR", "NI", "ZZ"})

# III02 place of service codes when III01 = ZZ (CMS Place of Service code set, external
# code source 237) are not enumerated: the CMS list changes outside the guide.

# Entity Identifier Codes (element 98) used by several guides.
# Source: X279A1 / X212 / X217 NM101 tables.
PAYER_ENTITY_CODES: frozenset[str] = frozenset({"2B", "36", "GP", "P5", "PR"})
ELIGIBILITY_RECEIVER_ENTITY_CODES: frozenset[str] = frozenset(
    {"1P", "2B", "36", "80", "FA", "GP", "P5", "PR"}
)
# 2120C/D NM101 Benefit Related Entity (X279A1). pyx12's 4010 list plus the 5010 additions
# (GW, I3, OC, VER, VY, Y2) from linuxforhealth-x12 Loop2120Nm1Segment, whose "11" is a
# typo for nothing in X12 element 98 and is left out.
BENEFIT_RELATED_ENTITY_CODES: frozenset[str] = frozenset(
    {
        "13", "1I", "1P", "2B", "36", "73", "FA", "GP", "GW", "I3", "IL", "LR", "OC", "P3",
        "P4", "P5", "PR", "PRP", "SEP", "TTP", "VER", "VN", "VY", "X3", "Y2",
    }
)  # fmt: skip

# Subscriber / dependent additional identification REF01 (element 128) in X279A1 2100C/D.
# Source: linuxforhealth-x12 Loop2100RefSegment (X279A1 2100C REF01).
MEMBER_REF_QUALIFIERS: frozenset[str] = frozenset(
    {
        "18", "1L", "1W", "3H", "6P", "CT", "EA", "EJ", "F6", "GH", "HJ", "IG", "N6", "NQ",
        "SY", "Y4",
    }
)  # fmt: skip

# Information receiver additional identification REF01 (X279A1 2100B).
RECEIVER_REF_QUALIFIERS: frozenset[str] = frozenset(
    {
        "0B", "1C", "1D", "1J", "4A", "CT", "EL", "EO", "HPI", "JD", "N5", "N7", "Q4", "SY",
        "TJ",
    }
)  # fmt: skip

# HI01 (C022-01) Code List Qualifier Code (element 1270) for ICD-10-CM and ICD-9-CM
# diagnoses: ABK/BK principal, ABF/BF other. Source: X279A1 / X217 HI01-1.
PRINCIPAL_DIAGNOSIS_QUALIFIERS: frozenset[str] = frozenset({"ABK", "BK"})
OTHER_DIAGNOSIS_QUALIFIERS: frozenset[str] = frozenset({"ABF", "BF"})

# --- 278 Health Care Services Review (005010X217), request and response ---
# Sources: X217 TR3 tables as described in public documentation (Stedi X12 HIPAA 278 X217
# guide pages); pyx12 278.4010.X094.A1 map where the list did not change in 5010.

# HCR01 Action Code (element 306): the review outcome in the 278 response.
ACTION_CODES: frozenset[str] = frozenset({"A1", "A2", "A3", "A4", "A6", "C", "CT", "NA"})

# UM02 Certification Type Code (element 1322). pyx12 278.4010.X094.A1 UM02.
CERTIFICATION_TYPE_CODES: frozenset[str] = frozenset({"1", "2", "3", "4", "I", "R", "S"})

# UM06 Level of Service Code (element 1338): emergency, elective, urgent.
LEVEL_OF_SERVICE_CODES: frozenset[str] = frozenset({"03", "E", "U"})

# UM05-1..3 Related Causes Code (element 1362): auto accident, another party responsible,
# employment, other accident.
RELATED_CAUSES_CODES: frozenset[str] = frozenset({"AA", "AP", "EM", "OA"})

# UM08 / CR601 Prognosis Code (element 923).
PROGNOSIS_CODES: frozenset[str] = frozenset({str(n) for n in range(1, 9)})

# PRV01 Provider Code (element 1221) for requesters and event/service providers.
# pyx12 278.4010.X094.A1 2010B PRV01.
PROVIDER_ROLE_CODES: frozenset[str] = frozenset(
    {"AD", "AS", "AT", "CO", "CV", "OP", "OR", "OT", "PC", "PE", "RF"}
)

# REF01 (element 128) provider supplemental identification. pyx12 278.4010.X094.A1, plus
# 0B (state license) from X217.
PROVIDER_REF_QUALIFIERS: frozenset[str] = frozenset(
    {"0B", "1G", "1J", "EI", "N5", "N7", "SY", "ZH"}
)

# REF01 subscriber / dependent supplemental identification. pyx12 278.4010.X094.A1 plus 3H
# (case number) from X217.
SUBSCRIBER_REF_QUALIFIERS: frozenset[str] = frozenset(
    {"1L", "1W", "3H", "6P", "A6", "EJ", "F6", "HJ", "IG", "N6", "NQ", "SY"}
)
DEPENDENT_REF_QUALIFIERS: frozenset[str] = frozenset({"3H", "A6", "EJ", "SY"})

# NM101 (element 98) of the 2010EA / 2010FA provider loops: attending, operating, other
# physician, admitting services, assistant surgeon, ordering, referring, facility, clinic,
# primary care provider, service provider.
EVENT_PROVIDER_CODES: frozenset[str] = frozenset(
    {"71", "72", "73", "AAJ", "DD", "DK", "DN", "FA", "G3", "P3", "SJ"}
)
# NM101 of the request's 2010EB additional patient information contact (FA is left to
# 2010EA so that sibling loops stay distinguishable).
CONTACT_ENTITY_CODES: frozenset[str] = frozenset({"1P", "2B", "ABG", "PR", "X3"})
# NM101 of the patient event transport loop: drop-off, final destination, next
# destination, pick-up address, next scheduled destination.
TRANSPORT_LOCATION_CODES: frozenset[str] = frozenset({"45", "FS", "ND", "PW", "R3"})

# HI01..HI12 (C022-01, element 1270) patient diagnosis qualifiers: ICD-10-CM principal
# (ABK), other (ABF), admitting (ABJ), patient reason for visit (APR); the ICD-9-CM
# equivalents (BK, BF, BJ, PR); DRG (DR); LOINC (LD).
PATIENT_DIAGNOSIS_QUALIFIERS: frozenset[str] = frozenset(
    {"ABF", "ABJ", "ABK", "APR", "BF", "BJ", "BK", "DR", "LD", "PR"}
)
