"""Small synthetic X12 texts for the engine's tests (no patient data: invented values)."""

from __future__ import annotations

ISA = (
    "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       "
    "*260101*1200*^*00501*000000001*0*T*:~"
)

BODY_835 = [
    "BPR*I*100.00*C*ACH*CCP*01*999999999*DA*123456*1512345678**01*999988880*DA*98765*20260105",
    "TRN*1*12345*1512345678",
    "DTM*405*20260102",
    "N1*PR*ACME HEALTH PLAN",
    "N3*1 MAIN ST",
    "N4*SPRINGFIELD*IL*62701",
    "PER*BL*CLAIMS*TE*5555550100",
    "N1*PE*GOOD CLINIC*XX*1234567893",
    "LX*1",
    "CLP*CLAIM1*1*150.00*100.00*50.00*12*PAYERCLAIM1*11*1",
    "CAS*PR*1*50.00",
    "NM1*QC*1*DOE*JANE****MI*XYZ123",
    "SVC*HC:99213*150.00*100.00**1",
    "DTM*472*20260101",
    "CAS*CO*45*0.00",
]


def transaction(body: list[str], ts: str = "835", control: str = "0001", version: str = "") -> str:
    st = f"ST*{ts}*{control}" + (f"*{version}" if version else "")
    segments = [st, *body, f"SE*{len(body) + 2}*{control}"]
    return "~".join(segments) + "~"


def interchange(
    transactions: list[str],
    functional_id: str = "HP",
    version: str = "005010X221A1",
    control: str = "000000001",
    group: str = "1",
    suffix: str = "",
) -> str:
    isa = ISA.replace("000000001", control)
    gs = f"GS*{functional_id}*SENDER*RECEIVER*20260101*1200*{group}*X*{version}~"
    ge = f"GE*{len(transactions)}*{group}~"
    iea = f"IEA*1*{control}~"
    text = isa + gs + "".join(transactions) + ge + iea
    return text.replace("~", "~" + suffix) if suffix else text


def sample_835(suffix: str = "") -> str:
    return interchange([transaction(BODY_835)], suffix=suffix)
