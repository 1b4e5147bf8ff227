"""Fixed reference data of the synthetic clinic: departments, services, diagnoses, payers, names.

Everything here is invented or public reference data (CPT/HCPCS codes as bare codes, ICD-10-CM
codes, NUCC taxonomy codes, UB-04 revenue codes). The generator in ``finclear.demo.synth`` draws
from these tables with a seeded ``random.Random``; nothing here is random.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

DEMO_ORGANIZATION_NAME = "Synthetic Health System (demo data)"


@dataclass(frozen=True, slots=True)
class DepartmentSpec:
    code: str
    name: str
    weight: int  # share of the schedule
    place_of_service: str  # CMS POS code
    taxonomy: str  # NUCC taxonomy of its providers
    credential: str
    providers_per_facility: int
    weekend_share: float  # how busy a weekend day is compared with a weekday


DEPARTMENTS: tuple[DepartmentSpec, ...] = (
    DepartmentSpec("PC", "Primary Care", 30, "11", "207Q00000X", "MD", 4, 0.05),
    DepartmentSpec("CARD", "Cardiology", 10, "11", "207RC0000X", "MD", 2, 0.0),
    DepartmentSpec("ORTHO", "Orthopedics", 10, "11", "207X00000X", "MD", 2, 0.0),
    DepartmentSpec("IMG", "Imaging", 15, "22", "2085R0202X", "MD", 1, 0.2),
    DepartmentSpec("LAB", "Laboratory", 15, "22", "207ZP0102X", "MD", 1, 0.2),
    DepartmentSpec("PT", "Physical Therapy", 8, "22", "225100000X", "DPT", 2, 0.1),
    DepartmentSpec("SURG", "Surgery", 4, "22", "208600000X", "MD", 2, 0.0),
    DepartmentSpec("ED", "Emergency Department", 8, "23", "207P00000X", "MD", 1, 1.0),
)


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    """One chargemaster line: a CPT/HCPCS code with its revenue code and standard charge."""

    cpt_hcpcs: str
    description: str
    revenue_code: str
    standard_charge: Decimal
    department: str
    diagnoses: tuple[str, ...]  # ICD-10-CM codes (no dot) that fit the service
    modifiers: tuple[str, ...] = ()
    lateral: bool = False  # takes RT or LT


def _svc(
    cpt: str,
    description: str,
    revenue: str,
    charge: str,
    department: str,
    diagnoses: tuple[str, ...],
    modifiers: tuple[str, ...] = (),
    lateral: bool = False,
) -> ServiceSpec:
    return ServiceSpec(
        cpt, description, revenue, Decimal(charge), department, diagnoses, modifiers, lateral
    )


PRIMARY_CARE_DX = ("I10", "E119", "E785", "J069", "M5450", "R7303", "E039", "F419")
PREVENTIVE_DX = ("Z0000", "Z0001")
CARDIOLOGY_DX = ("I10", "I2510", "I480", "R0789", "R002", "I5022")
ORTHO_DX = ("M1711", "M1712", "M25561", "M25562", "S83241A", "M5450")
ED_DX = ("R0789", "R079", "R1011", "S0990XA", "J189", "N390", "R51.9")
COMORBIDITY_DX = ("I10", "E119", "E785")

SERVICES: tuple[ServiceSpec, ...] = (
    _svc(
        "99202",
        "Office visit, new patient, straightforward",
        "0510",
        "145.00",
        "PC",
        PRIMARY_CARE_DX,
    ),
    _svc(
        "99203",
        "Office visit, new patient, low complexity",
        "0510",
        "215.00",
        "PC",
        PRIMARY_CARE_DX,
    ),
    _svc(
        "99204",
        "Office visit, new patient, moderate complexity",
        "0510",
        "325.00",
        "PC",
        PRIMARY_CARE_DX,
    ),
    _svc(
        "99205",
        "Office visit, new patient, high complexity",
        "0510",
        "420.00",
        "PC",
        PRIMARY_CARE_DX,
    ),
    _svc(
        "99211",
        "Office visit, established patient, minimal",
        "0510",
        "55.00",
        "PC",
        PRIMARY_CARE_DX,
    ),
    _svc(
        "99212",
        "Office visit, established patient, straightforward",
        "0510",
        "110.00",
        "PC",
        PRIMARY_CARE_DX,
    ),
    _svc(
        "99213",
        "Office visit, established patient, low complexity",
        "0510",
        "175.00",
        "PC",
        PRIMARY_CARE_DX,
    ),
    _svc(
        "99214",
        "Office visit, established patient, moderate complexity",
        "0510",
        "255.00",
        "PC",
        PRIMARY_CARE_DX,
    ),
    _svc(
        "99215",
        "Office visit, established patient, high complexity",
        "0510",
        "345.00",
        "PC",
        PRIMARY_CARE_DX,
    ),
    _svc("99395", "Preventive visit, established, 18-39", "0510", "260.00", "PC", PREVENTIVE_DX),
    _svc("99396", "Preventive visit, established, 40-64", "0510", "285.00", "PC", PREVENTIVE_DX),
    _svc("93000", "Electrocardiogram, complete", "0730", "95.00", "CARD", CARDIOLOGY_DX),
    _svc(
        "93306", "Echocardiogram, transthoracic, complete", "0483", "1450.00", "CARD", CARDIOLOGY_DX
    ),
    _svc("73560", "X-ray knee, 1 or 2 views", "0320", "165.00", "ORTHO", ORTHO_DX, lateral=True),
    _svc(
        "20610",
        "Arthrocentesis or injection, major joint",
        "0510",
        "310.00",
        "ORTHO",
        ORTHO_DX,
        lateral=True,
    ),
    _svc(
        "70450",
        "CT head or brain without contrast",
        "0350",
        "1650.00",
        "IMG",
        ("R51.9", "S0990XA", "R42"),
    ),
    _svc(
        "71046",
        "X-ray chest, 2 views",
        "0324",
        "210.00",
        "IMG",
        ("R0602", "J189", "R05.9", "R0789"),
    ),
    _svc(
        "72148",
        "MRI lumbar spine without contrast",
        "0610",
        "2450.00",
        "IMG",
        ("M5450", "M5416", "M48061"),
    ),
    _svc(
        "73721",
        "MRI lower extremity joint without contrast",
        "0610",
        "2300.00",
        "IMG",
        ("M25561", "S83241A", "M1711"),
        lateral=True,
    ),
    _svc(
        "74177",
        "CT abdomen and pelvis with contrast",
        "0350",
        "2850.00",
        "IMG",
        ("R1011", "K8020", "R1030"),
    ),
    _svc(
        "36415",
        "Routine venipuncture",
        "0300",
        "25.00",
        "LAB",
        ("E119", "E785", "Z0000", "I10", "D649"),
    ),
    _svc(
        "80053",
        "Comprehensive metabolic panel",
        "0301",
        "120.00",
        "LAB",
        ("E119", "I10", "Z0000", "N1830"),
    ),
    _svc(
        "85025",
        "Complete blood count with differential",
        "0305",
        "65.00",
        "LAB",
        ("D649", "Z0000", "R5383"),
    ),
    _svc("83036", "Hemoglobin A1c", "0301", "85.00", "LAB", ("E119", "R7303")),
    _svc("80061", "Lipid panel", "0301", "95.00", "LAB", ("E785", "Z0000", "I2510")),
    _svc("84443", "Thyroid stimulating hormone", "0301", "110.00", "LAB", ("E039", "R5383")),
    _svc(
        "29881",
        "Knee arthroscopy with meniscectomy",
        "0360",
        "9800.00",
        "SURG",
        ("S83241A", "M23221"),
        lateral=True,
    ),
    _svc("47562", "Laparoscopic cholecystectomy", "0360", "14500.00", "SURG", ("K8020", "K810")),
    _svc(
        "66984",
        "Cataract removal with intraocular lens",
        "0360",
        "6200.00",
        "SURG",
        ("H2511", "H2512"),
        lateral=True,
    ),
    _svc(
        "97161",
        "PT evaluation, low complexity",
        "0424",
        "230.00",
        "PT",
        ("M1711", "M5450", "M25561", "Z96651"),
        ("GP",),
    ),
    _svc(
        "97110",
        "Therapeutic exercise, each 15 minutes",
        "0420",
        "85.00",
        "PT",
        ("M1711", "M5450", "M25561", "Z96651"),
        ("GP",),
    ),
    _svc(
        "97140",
        "Manual therapy, each 15 minutes",
        "0420",
        "80.00",
        "PT",
        ("M1711", "M5450", "M25561"),
        ("GP",),
    ),
    _svc(
        "97530",
        "Therapeutic activities, each 15 minutes",
        "0420",
        "90.00",
        "PT",
        ("M1711", "Z96651"),
        ("GP",),
    ),
    _svc("99283", "Emergency department visit, moderate severity", "0450", "780.00", "ED", ED_DX),
    _svc("99284", "Emergency department visit, high severity", "0450", "1350.00", "ED", ED_DX),
    _svc("99285", "Emergency department visit, highest severity", "0450", "2150.00", "ED", ED_DX),
)

SERVICES_BY_CODE: dict[str, ServiceSpec] = {s.cpt_hcpcs: s for s in SERVICES}

# Diagnoses are written with or without the dot above for readability; the generator stores them
# without it, as the domain model does.
ALL_DIAGNOSES: tuple[str, ...] = tuple(
    sorted({dx.replace(".", "") for s in SERVICES for dx in s.diagnoses} | set(COMORBIDITY_DX))
)

# X12 service type codes the scenario's benefit designs use (X12 5010 EB03).
SERVICE_TYPES: dict[str, str] = {
    "30": "Health Benefit Plan Coverage",
    "1": "Medical Care",
    "2": "Surgical",
    "4": "Diagnostic X-Ray",
    "5": "Diagnostic Lab",
    "47": "Hospital",
    "48": "Hospital - Inpatient",
    "50": "Hospital - Outpatient",
    "62": "MRI/CAT Scan",
    "86": "Emergency Services",
    "98": "Professional (Physician) Visit - Office",
    "UC": "Urgent Care",
    "PT": "Physical Therapy",
}


@dataclass(frozen=True, slots=True)
class PlanSpec:
    code: str
    name: str
    product: str
    network: str
    deductible_individual: Decimal
    deductible_family: Decimal
    oop_max_individual: Decimal | None  # None: no out-of-pocket maximum (Medicare Part B)
    oop_max_family: Decimal | None
    coinsurance_percent: Decimal
    copay_primary_care: Decimal
    copay_specialist: Decimal
    copay_er: Decimal
    copay_urgent_care: Decimal
    out_of_network: bool  # whether out-of-network care is covered at all
    dependents_share_member_id: bool  # dependents use the subscriber's ID (commercial)


@dataclass(frozen=True, slots=True)
class PayerSpec:
    key: str
    name: str
    payer_type: str
    primary_payer_id: str
    member_id_prefix: str
    plans: tuple[PlanSpec, ...]


def _plan(
    code: str,
    name: str,
    product: str,
    network: str,
    ded: tuple[str, str],
    oop: tuple[str, str] | None,
    coins: str,
    copays: tuple[str, str, str, str],
    out_of_network: bool,
    shared_ids: bool,
) -> PlanSpec:
    return PlanSpec(
        code=code,
        name=name,
        product=product,
        network=network,
        deductible_individual=Decimal(ded[0]),
        deductible_family=Decimal(ded[1]),
        oop_max_individual=Decimal(oop[0]) if oop else None,
        oop_max_family=Decimal(oop[1]) if oop else None,
        coinsurance_percent=Decimal(coins),
        copay_primary_care=Decimal(copays[0]),
        copay_specialist=Decimal(copays[1]),
        copay_er=Decimal(copays[2]),
        copay_urgent_care=Decimal(copays[3]),
        out_of_network=out_of_network,
        dependents_share_member_id=shared_ids,
    )


ZERO_COPAYS = ("0.00", "0.00", "0.00", "0.00")

PAYERS: tuple[PayerSpec, ...] = (
    PayerSpec(
        "medicare",
        "Synthetic Medicare Part B",
        "medicare",
        "ZZ120",
        "ZZ",
        (
            _plan(
                "MEDB",
                "Medicare Part B (synthetic)",
                "medicare_ffs",
                "Medicare",
                ("283.00", "283.00"),
                None,
                "20.00",
                ZERO_COPAYS,
                True,
                False,
            ),
        ),
    ),
    PayerSpec(
        "medicaid",
        "Synthetic Medicaid Managed Care",
        "medicaid",
        "ZZ210",
        "ZZMD",
        (
            _plan(
                "MCD-MC",
                "Synthetic Medicaid Managed Care",
                "medicaid_managed",
                "Synthetic Medicaid Network",
                ("0.00", "0.00"),
                ("0.00", "0.00"),
                "0.00",
                ("0.00", "4.00", "8.00", "4.00"),
                False,
                False,
            ),
        ),
    ),
    PayerSpec(
        "blue",
        "Synthetic Blue Cross",
        "commercial",
        "ZZ301",
        "ZZSBC",
        (
            _plan(
                "SB-PPO",
                "Synthetic Blue PPO",
                "ppo",
                "Synthetic Blue Preferred",
                ("1500.00", "3000.00"),
                ("6500.00", "13000.00"),
                "20.00",
                ("25.00", "50.00", "250.00", "75.00"),
                True,
                True,
            ),
            _plan(
                "SB-HDHP",
                "Synthetic Blue HDHP 3400",
                "hdhp",
                "Synthetic Blue Preferred",
                ("3400.00", "6800.00"),
                ("7000.00", "14000.00"),
                "20.00",
                ZERO_COPAYS,
                True,
                True,
            ),
            _plan(
                "SB-MA",
                "Synthetic Blue Medicare Advantage HMO",
                "medicare_advantage",
                "Synthetic Blue Senior",
                ("0.00", "0.00"),
                ("5900.00", "5900.00"),
                "20.00",
                ("0.00", "40.00", "110.00", "45.00"),
                False,
                False,
            ),
        ),
    ),
    PayerSpec(
        "meridian",
        "Synthetic Meridian Health",
        "commercial",
        "ZZ302",
        "ZZSMH",
        (
            _plan(
                "MH-HMO",
                "Synthetic Meridian HMO",
                "hmo",
                "Meridian Select",
                ("500.00", "1000.00"),
                ("4500.00", "9000.00"),
                "10.00",
                ("20.00", "40.00", "200.00", "50.00"),
                False,
                True,
            ),
            _plan(
                "MH-EPO",
                "Synthetic Meridian EPO",
                "epo",
                "Meridian Select",
                ("1000.00", "2000.00"),
                ("5500.00", "11000.00"),
                "20.00",
                ("30.00", "60.00", "300.00", "75.00"),
                False,
                True,
            ),
        ),
    ),
    PayerSpec(
        "cascade",
        "Synthetic Cascade Insurance",
        "commercial",
        "ZZ303",
        "ZZSCI",
        (
            _plan(
                "CI-POS",
                "Synthetic Cascade POS",
                "pos",
                "Cascade Choice",
                ("750.00", "1500.00"),
                ("5000.00", "10000.00"),
                "20.00",
                ("25.00", "45.00", "250.00", "60.00"),
                True,
                True,
            ),
            _plan(
                "CI-HDHP",
                "Synthetic Cascade HSA 3300",
                "hdhp",
                "Cascade Choice",
                ("3300.00", "6600.00"),
                ("6900.00", "13800.00"),
                "30.00",
                ZERO_COPAYS,
                True,
                True,
            ),
        ),
    ),
    PayerSpec(
        "wc",
        "Synthetic Workers Comp Mutual",
        "workers_comp",
        "ZZ401",
        "ZZWC",
        (
            _plan(
                "WC",
                "Synthetic Workers Compensation",
                "workers_comp",
                "Synthetic WC Network",
                ("0.00", "0.00"),
                ("0.00", "0.00"),
                "0.00",
                ZERO_COPAYS,
                True,
                False,
            ),
        ),
    ),
    PayerSpec("self", "Self Pay", "self_pay", "ZZSELF", "", ()),
)

PAYERS_BY_KEY: dict[str, PayerSpec] = {p.key: p for p in PAYERS}
CLEARINGHOUSES: tuple[str, ...] = ("direct", "availity", "change")

# Invented surnames: no real family carries these.
LAST_NAMES: tuple[str, ...] = (
    "Testerson",
    "Sampleton",
    "Mockridge",
    "Placeholt",
    "Dummett",
    "Fakenham",
    "Synthwell",
    "Fixtureman",
    "Stubbington",
    "Examplar",
    "Protowski",
    "Specimena",
    "Vectorson",
    "Quuxley",
    "Foobarth",
    "Lorembridge",
    "Ipsumova",
    "Doloretti",
    "Nullberg",
    "Randomere",
    "Seedwick",
    "Mockingham",
    "Sandboxer",
    "Demoulin",
    "Testarossa",
    "Pseudonym",
    "Anonyma",
    "Surrogatti",
    "Faksimile",
    "Drillbury",
    "Trialson",
    "Pilotte",
    "Prototyne",
    "Benchley-Mock",
    "Zeddington",
    "Yellowmock",
    "Xampleford",
    "Widgetson",
    "Gizmondo",
    "Thingamy",
    "Doohickey",
    "Whatsit",
    "Placeholder",
    "Notreal",
    "Imaginaro",
    "Fictionelli",
    "Madeupson",
    "Inventova",
    "Fabricato",
    "Simulacre",
    "Replicant",
    "Clonewell",
    "Twinfake",
    "Mimicry",
    "Copycatt",
    "Emulatti",
    "Modelsen",
    "Dryrun",
    "Staging",
    "Loadtest",
    "Smokeby",
    "Canaryfield",
    "Harnessly",
    "Scaffolde",
    "Templeton-Zed",
    "Boilerson",
    "Stencilla",
    "Draftwood",
    "Sketchley",
    "Outliner",
)

FIRST_NAMES_F: tuple[str, ...] = (
    "Ada",
    "Beatrix",
    "Clara",
    "Dora",
    "Edith",
    "Flora",
    "Greta",
    "Hazel",
    "Iris",
    "June",
    "Kora",
    "Lena",
    "Mabel",
    "Nora",
    "Opal",
    "Pearl",
    "Quinn",
    "Rosa",
    "Stella",
    "Tess",
    "Una",
    "Vera",
    "Willa",
    "Xena",
    "Yara",
    "Zelda",
)
FIRST_NAMES_M: tuple[str, ...] = (
    "Abel",
    "Bram",
    "Cyril",
    "Dexter",
    "Elmer",
    "Felix",
    "Gus",
    "Homer",
    "Ivo",
    "Jasper",
    "Kit",
    "Leon",
    "Milo",
    "Nils",
    "Otto",
    "Percy",
    "Quentin",
    "Rufus",
    "Silas",
    "Tobias",
    "Ulric",
    "Victor",
    "Walter",
    "Xavier",
    "Yusuf",
    "Zeke",
)
MIDDLE_INITIALS = "ABCDEFGHJKLMNPRSTW"

STREETS: tuple[str, ...] = (
    "Synthetic Way",
    "Sample Street",
    "Mock Avenue",
    "Fixture Lane",
    "Placeholder Road",
    "Test Court",
    "Example Boulevard",
    "Stub Drive",
)


@dataclass(frozen=True, slots=True)
class FacilitySpec:
    code: str
    name: str
    city: str
    state: str
    postal_code: str
    area_code: str
    time_zone: str
    charge_factor: Decimal  # facility charges relative to the catalog


FACILITIES: tuple[FacilitySpec, ...] = (
    FacilitySpec(
        "NORTH",
        "Synthetic North Hospital",
        "Testville",
        "PA",
        "19001",
        "215",
        "America/New_York",
        Decimal("1.00"),
    ),
    FacilitySpec(
        "SOUTH",
        "Synthetic South Medical Center",
        "Mockton",
        "PA",
        "19002",
        "610",
        "America/New_York",
        Decimal("1.06"),
    ),
)
