"""Generates French lab reports (biologie médicale) with their ground truth, to measure the lab reader.

    .venv/bin/python bench/labgen.py OUTDIR --count 30 [--seed 1000]

Each report `lab-NNNN` comes three times: `lab-NNNN.pdf` (fpdf2, with a text layer, as laboratory software
prints it), `lab-NNNN.jpg` (its first page scanned at 200 dpi: a small tilt, noise, JPEG) and
`lab-NNNN-photo.jpeg` (its first page photographed with a phone: perspective, uneven light, sometimes a
quarter turn, 1600 px on the long side). `truth.json` lists per report the laboratory, the sample date and
the observations (loinc, value, unit, reference_low/high, flag, page).

Reports are drawn from the seed (the same seed gives the same files). Layouts: a classic one-column table
(Analyse | Résultat | Unités | Valeurs de référence | Antériorités), a compact "label ..... value unit
(range)" list, a two-column page, a hospital layout with sections and a flag column, and a table printing
values in both unit systems. Headers carry distractor dates (birth, edition, reception).
"""

import argparse
import datetime
import json
import logging
import random
import sys
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import photos

logging.getLogger("fontTools").setLevel(logging.WARNING)

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONTS = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf"}
CONDENSED = {"": "DejaVuSansCondensed.ttf", "B": "DejaVuSansCondensed-Bold.ttf", "I": "DejaVuSansCondensed-Oblique.ttf"}
LAYOUTS = ("classic", "compact", "two-column", "hospital", "dual-units")


@dataclass(frozen=True)
class Test:
    """An analyte as a laboratory prints it: its names, its unit spellings, the normal range and how values
    spread, in its unit; `alternate` is (unit, factor, decimals) of a second unit some labs add."""

    loinc: str
    labels: tuple[str, ...]
    unit: str
    spellings: tuple[str, ...]
    low: float | None
    high: float | None
    decimals: int
    section: str
    alternate: tuple[str, float, int] | None = None
    canonical: str = ""  # the unit the truth gives (unit_spelling of the printed one)


def t(loinc, labels, unit, spellings, low, high, decimals, section, alternate=None):
    return Test(
        loinc,
        tuple(labels.split("|")),
        unit,
        tuple(spellings.split("|")),
        low,
        high,
        decimals,
        section,
        alternate,
        unit,
    )


TESTS = (
    t(
        "789-8",
        "Hématies|Globules rouges|HÉMATIES|Érythrocytes",
        "T/L",
        "T/L|10^12/L|10*12/L|T/l",
        4.2,
        5.7,
        2,
        "hemato",
    ),
    t(
        "718-7",
        "Hémoglobine|HÉMOGLOBINE|Hémoglobine (Hb)",
        "g/dL",
        "g/dL|g/dl|g/100mL",
        13.0,
        17.0,
        1,
        "hemato",
        ("g/L", 10, 0),
    ),
    t("4544-3", "Hématocrite|HÉMATOCRITE|Hématocrite (Ht)", "%", "%", 40.0, 52.0, 1, "hemato"),
    t("787-2", "VGM|Volume globulaire moyen|V.G.M.", "fL", "fL|fl|µ3", 80.0, 100.0, 1, "hemato"),
    t("785-6", "TCMH|Teneur corpusculaire moyenne en hémoglobine|T.C.M.H.", "pg", "pg", 27.0, 32.0, 1, "hemato"),
    t(
        "786-4",
        "CCMH|Concentration corpusculaire moyenne en Hb|C.C.M.H.",
        "g/dL",
        "g/dL|g/dl|%",
        32.0,
        36.0,
        1,
        "hemato",
    ),
    t("788-0", "IDR|Indice de distribution des hématies|IDR-CV", "%", "%", 11.0, 15.0, 1, "hemato"),
    t("6690-2", "Leucocytes|Globules blancs|LEUCOCYTES", "G/L", "G/L|10^9/L|10*9/L|G/l|giga/L", 4.0, 10.0, 2, "hemato"),
    t("777-3", "Plaquettes|Numération plaquettaire|PLAQUETTES", "G/L", "G/L|10^9/L|G/l", 150.0, 400.0, 0, "hemato"),
    t("32623-1", "VPM|Volume plaquettaire moyen", "fL", "fL", 7.0, 11.0, 1, "hemato"),
    t(
        "4537-7",
        "Vitesse de sédimentation 1ère heure|VS 1re heure|Vitesse de sédimentation",
        "mm/h",
        "mm/h|mm",
        None,
        20.0,
        0,
        "hemato",
    ),
    t("1988-5", "CRP|Protéine C réactive|C Réactive Protéine (CRP)", "mg/L", "mg/L|mg/l", None, 5.0, 1, "inflam"),
    t("2276-4", "Ferritine|FERRITINE|Ferritinémie", "µg/L", "µg/L|ng/mL|ng/ml|µg/l", 30.0, 400.0, 0, "iron"),
    t("2498-4", "Fer sérique|Fer|Sidérémie", "µmol/L", "µmol/L|umol/L|µmol/l", 10.0, 30.0, 1, "iron"),
    t("3034-6", "Transferrine|TRANSFERRINE", "g/L", "g/L|g/l", 2.0, 3.6, 2, "iron"),
    t(
        "2502-3",
        "Coefficient de saturation de la transferrine|CST|Saturation de la transferrine",
        "%",
        "%",
        20.0,
        40.0,
        0,
        "iron",
    ),
    t("2132-9", "Vitamine B12|Vit. B12|Cobalamine", "pmol/L", "pmol/L|pmol/l", 145.0, 569.0, 0, "vitamin"),
    t("2284-8", "Folates sériques|Folates|Vitamine B9", "nmol/L", "nmol/L|nmol/l", 7.0, 46.0, 1, "vitamin"),
    t(
        "62292-8",
        "25-OH vitamine D|Vitamine D (25-OH)|Vitamine D 25-OH (D2+D3)",
        "ng/mL",
        "ng/mL|ng/ml|µg/L",
        30.0,
        100.0,
        1,
        "vitamin",
        ("nmol/L", 2.496, 0),
    ),
    t(
        "15074-8",
        "Glycémie à jeun|Glucose|GLYCÉMIE À JEUN|Glycémie",
        "g/L",
        "g/L|g/l",
        0.70,
        1.10,
        2,
        "diabetes",
        ("mmol/L", 5.551, 2),
    ),
    t("4548-4", "Hémoglobine glyquée (HbA1c)|HbA1c|Hémoglobine glyquée", "%", "%", 4.0, 6.0, 1, "diabetes"),
    t("2160-0", "Créatinine|Créatininémie|CRÉATININE", "mg/L", "mg/L|mg/l", 7.0, 12.0, 1, "renal", ("µmol/L", 8.84, 0)),
    t(
        "62238-1",
        "DFG estimé (CKD-EPI)|DFG selon CKD-EPI|Débit de filtration glomérulaire (CKD-EPI)",
        "mL/min/1.73m²",
        "mL/min/1,73m²|mL/min/1.73m²|ml/min/1,73 m²",
        60.0,
        None,
        0,
        "renal",
    ),
    t("22664-7", "Urée|Urée sanguine|URÉE", "mmol/L", "mmol/L|mmol/l", 2.5, 7.5, 1, "renal", ("g/L", 0.06006, 2)),
    t(
        "14933-6",
        "Acide urique|Uricémie|ACIDE URIQUE",
        "µmol/L",
        "µmol/L|µmol/l|umol/L",
        200.0,
        420.0,
        0,
        "renal",
        ("mg/L", 0.1681, 1),
    ),
    t("2951-2", "Sodium|Natrémie|SODIUM", "mmol/L", "mmol/L|mmol/l|mEq/L", 136.0, 145.0, 0, "iono"),
    t("2823-3", "Potassium|Kaliémie|POTASSIUM", "mmol/L", "mmol/L|mmol/l", 3.5, 5.1, 1, "iono"),
    t("2075-0", "Chlore|Chlorures|CHLORE", "mmol/L", "mmol/L|mmol/l", 98.0, 107.0, 0, "iono"),
    t("1963-8", "Bicarbonates|Réserve alcaline|CO2 total", "mmol/L", "mmol/L|mmol/l", 22.0, 29.0, 0, "iono"),
    t("2000-8", "Calcium|Calcémie|CALCIUM", "mmol/L", "mmol/L|mmol/l", 2.20, 2.60, 2, "iono", ("mg/L", 40.08, 0)),
    t("14879-1", "Phosphore|Phosphorémie", "mmol/L", "mmol/L|mmol/l", 0.81, 1.45, 2, "iono"),
    t("2601-3", "Magnésium|Magnésémie", "mmol/L", "mmol/L|mmol/l", 0.70, 1.05, 2, "iono"),
    t("2885-2", "Protéines totales|Protidémie|PROTÉINES TOTALES", "g/L", "g/L|g/l", 64.0, 83.0, 0, "renal"),
    t("1751-7", "Albumine|Albuminémie", "g/L", "g/L|g/l", 35.0, 52.0, 1, "renal"),
    t(
        "2093-3",
        "Cholestérol total|CHOLESTÉROL TOTAL|Cholestérol",
        "g/L",
        "g/L|g/l",
        None,
        2.00,
        2,
        "lipid",
        ("mmol/L", 2.586, 2),
    ),
    t(
        "2085-9",
        "Cholestérol HDL|HDL-cholestérol|HDL cholestérol",
        "g/L",
        "g/L|g/l",
        0.40,
        None,
        2,
        "lipid",
        ("mmol/L", 2.586, 2),
    ),
    t(
        "13457-7",
        "Cholestérol LDL calculé|LDL-cholestérol calculé|LDL cholestérol (Friedewald)",
        "g/L",
        "g/L|g/l",
        None,
        1.60,
        2,
        "lipid",
        ("mmol/L", 2.586, 2),
    ),
    t("18262-6", "Cholestérol LDL mesuré|LDL-cholestérol direct", "g/L", "g/L", None, 1.60, 2, "lipid"),
    t(
        "2571-8",
        "Triglycérides|TRIGLYCÉRIDES|Triglycéridémie",
        "g/L",
        "g/L|g/l",
        0.35,
        1.50,
        2,
        "lipid",
        ("mmol/L", 1.129, 2),
    ),
    t("1920-8", "ASAT (TGO)|ASAT|Transaminases ASAT (SGOT)", "UI/L", "UI/L|U/L|UI/l", None, 35.0, 0, "liver"),
    t("1742-6", "ALAT (TGP)|ALAT|Transaminases ALAT (SGPT)", "UI/L", "UI/L|U/L|UI/l", None, 45.0, 0, "liver"),
    t("2324-2", "Gamma-GT|Gamma glutamyl transférase|GGT", "UI/L", "UI/L|U/L", 12.0, 64.0, 0, "liver"),
    t("6768-6", "Phosphatases alcalines|PAL|PHOSPHATASES ALCALINES", "UI/L", "UI/L|U/L", 40.0, 150.0, 0, "liver"),
    t(
        "14631-6",
        "Bilirubine totale|Bilirubine|BILIRUBINE TOTALE",
        "µmol/L",
        "µmol/L|µmol/l",
        None,
        21.0,
        1,
        "liver",
        ("mg/L", 0.5848, 1),
    ),
    t("14629-0", "Bilirubine conjuguée|Bilirubine directe", "µmol/L", "µmol/L|µmol/l", None, 5.0, 1, "liver"),
    t(
        "3016-3",
        "TSH|TSH ultrasensible|TSH us (3e génération)",
        "mUI/L",
        "mUI/L|mUI/l|µUI/mL",
        0.40,
        4.00,
        2,
        "thyroid",
    ),
    t("14920-3", "T4 libre|T4L|Thyroxine libre (T4L)", "pmol/L", "pmol/L|pmol/l", 12.0, 22.0, 1, "thyroid"),
    t("14928-6", "T3 libre|T3L", "pmol/L", "pmol/L", 3.1, 6.8, 1, "thyroid"),
    t("5894-1", "Taux de prothrombine|TP", "%", "%", 70.0, 100.0, 0, "coag"),
    t("6301-6", "INR", "", "", 0.80, 1.20, 2, "coag"),
    t("14979-9", "TCA patient|Temps de céphaline activée (patient)", "s", "s|sec", 26.0, 36.0, 1, "coag"),
    t("3255-7", "Fibrinogène|FIBRINOGÈNE", "g/L", "g/L|g/l", 2.0, 4.0, 2, "coag"),
    t("48065-7", "D-dimères|D-Dimères", "ng/mL", "ng/mL|µg/L", None, 500.0, 0, "coag"),
    t("2857-1", "PSA total|PSA|Antigène prostatique spécifique", "ng/mL", "ng/mL|µg/L", None, 4.0, 2, "misc"),
    t("89579-7", "Troponine I hypersensible|Troponine Ic hs", "ng/L", "ng/L|pg/mL", None, 34.0, 1, "cardiac"),
    t("33762-6", "NT-proBNP|NT pro BNP", "pg/mL", "pg/mL|ng/L", None, 125.0, 0, "cardiac"),
    t("30934-4", "BNP", "pg/mL", "pg/mL", None, 100.0, 0, "cardiac"),
    t("2157-6", "CPK|Créatine kinase (CK)|CPK totales", "UI/L", "UI/L|U/L", 30.0, 200.0, 0, "cardiac"),
    t("2532-0", "LDH|Lactate déshydrogénase", "UI/L", "UI/L|U/L", 125.0, 243.0, 0, "cardiac"),
    t("3040-3", "Lipase|LIPASE|Lipasémie", "UI/L", "UI/L|U/L", 13.0, 60.0, 0, "liver"),
    t("21198-7", "Bêta-hCG|hCG plasmatique|Beta HCG", "UI/L", "UI/L|mUI/mL", None, 5.0, 1, "misc"),
    t("14957-5", "Microalbuminurie|Albuminurie", "mg/L", "mg/L|mg/l", None, 20.0, 1, "urine"),
    t(
        "9318-7",
        "Rapport albumine/créatinine|Rapport albuminurie/créatininurie",
        "mg/mmol",
        "mg/mmol",
        None,
        3.0,
        1,
        "urine",
    ),
    t("2888-6", "Protéinurie|Protéines urinaires", "g/L", "g/L|g/l", None, 0.15, 2, "urine"),
)
FORMULA = (
    ("770-8", "751-8", "Polynucléaires neutrophiles|Neutrophiles|Poly. neutrophiles", 40.0, 75.0, 1.8, 7.5),
    ("713-8", "711-2", "Polynucléaires éosinophiles|Éosinophiles|Poly. éosinophiles", 0.5, 5.0, 0.02, 0.5),
    ("706-2", "704-7", "Polynucléaires basophiles|Basophiles|Poly. basophiles", 0.0, 1.0, 0.0, 0.1),
    ("736-9", "731-0", "Lymphocytes|LYMPHOCYTES", 20.0, 45.0, 1.0, 4.0),
    ("5905-5", "742-7", "Monocytes|MONOCYTES", 2.0, 10.0, 0.2, 1.0),
)
SECTIONS = {
    "hemato": ("HÉMATOLOGIE", "Numération formule sanguine", "HEMOGRAMME"),
    "inflam": ("PROTÉINES", "Marqueurs de l'inflammation", "INFLAMMATION"),
    "iron": ("BILAN MARTIAL", "Exploration du fer", "Métabolisme du fer"),
    "vitamin": ("VITAMINES", "Vitamines", "VITAMINOLOGIE"),
    "diabetes": ("BIOCHIMIE - MÉTABOLISME GLUCIDIQUE", "Glycémie", "DIABÉTOLOGIE"),
    "renal": ("BIOCHIMIE SANGUINE", "Fonction rénale", "BIOCHIMIE"),
    "iono": ("IONOGRAMME SANGUIN", "Ionogramme", "Électrolytes (plasma)"),
    "lipid": ("BILAN LIPIDIQUE", "Exploration d'une anomalie lipidique", "LIPIDES"),
    "liver": ("BILAN HÉPATIQUE", "Enzymologie", "Bilan hépatique"),
    "thyroid": ("HORMONOLOGIE THYROÏDIENNE", "Bilan thyroïdien", "THYROÏDE"),
    "coag": ("HÉMOSTASE", "Coagulation", "HÉMOSTASE - COAGULATION"),
    "cardiac": ("MARQUEURS CARDIAQUES", "Enzymes cardiaques", "CARDIOLOGIE"),
    "misc": ("IMMUNO-ANALYSES", "Marqueurs", "Immunologie"),
    "urine": ("URINES - échantillon", "Biochimie urinaire", "URINES"),
}
LABORATORIES = (
    ("Laboratoire de Biologie Médicale des Tilleuls", "12 rue des Tilleuls", "69003 Lyon"),
    ("Laboratoire BIOSUD", "4 avenue Jean Jaurès", "13005 Marseille"),
    ("Laboratoire Cerballiance Val de Loire", "27 boulevard Béranger", "37000 Tours"),
    ("LABORATOIRE DU CENTRE", "3 place de la République", "35000 Rennes"),
    ("Laboratoire Synlab Bretagne Ouest", "8 quai de l'Odet", "29000 Quimper"),
    ("Laboratoire Bioaxiome Saint-Michel", "145 rue Saint-Michel", "31400 Toulouse"),
    ("Laboratoire d'analyses médicales Pasteur", "1 allée Louis Pasteur", "67000 Strasbourg"),
    ("Laboratoire Eurofins Biomnis Nord", "22 rue Nationale", "59000 Lille"),
)
HOSPITALS = (
    (
        "Laboratoire de Biochimie et Hématologie",
        "Centre Hospitalier de Périgueux",
        "80 avenue Georges Pompidou, 24000 Périgueux",
    ),
    ("Laboratoire de Biologie Médicale", "CHU de Poitiers", "2 rue de la Milétrie, 86000 Poitiers"),
    ("Laboratoire Central", "Hôpital Nord-Ouest Villefranche", "Plateau d'Ouilly, 69400 Gleizé"),
)
PATIENTS = (
    "DUPONT Marie",
    "MARTIN Jean",
    "BERNARD Sophie",
    "PETIT Louis",
    "ROBERT Chantal",
    "RICHARD Ahmed",
    "DURAND Nathalie",
    "LEROY Michel",
    "MOREAU Isabelle",
    "SIMON Karim",
    "LAURENT Émilie",
    "LEFEBVRE Paul",
)
DOCTORS = ("Dr Anne LEMAIRE", "Dr Paul GIRARD", "Docteur Sylvie FAURE", "Dr Hugo BLANC", "Dr Léa MERCIER")
MONTH_NAMES = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def q(value: float, decimals: int) -> Decimal:
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def fr(value: Decimal, rng: random.Random, *, comma: bool = True) -> str:
    text = format(value, "f")
    return text.replace(".", ",") if comma else text


class Report:
    def __init__(self, number: int, seed: int):
        self.rng = random.Random(seed * 7919 + number)  # noqa: S311  # nosec B311  # reproducible test data, not secrets
        self.number = number
        self.layout = LAYOUTS[(number + seed) % len(LAYOUTS)]
        self.comma = self.rng.random() < 0.85
        self.observations: list[dict] = []

    # --- values ---
    def value(self, low, high, decimals, abnormal_rate=0.3) -> Decimal:
        rng = self.rng
        if low is None:
            low_, high_ = high * 0.1, high
        elif high is None:
            low_, high_ = low, low * 1.8
        else:
            low_, high_ = low, high
        roll = rng.random()
        width = high_ - low_
        if roll < abnormal_rate / 2 and high is not None:
            raw = high + width * rng.uniform(0.05, 1.2) if low is not None else high * rng.uniform(1.05, 6)
        elif roll < abnormal_rate and low is not None:
            raw = (
                max(low - width * rng.uniform(0.05, 0.6), low * 0.3)
                if high is not None
                else low * rng.uniform(0.3, 0.95)
            )
        else:
            raw = rng.uniform(low_, high_)
        value = q(raw, decimals)
        return value if value > 0 or decimals else Decimal(1)

    def flag_of(self, value, low, high) -> str:
        if high is not None and value > q(high, 6):
            return "H"
        if low is not None and value < q(low, 6):
            return "L"
        return ""

    def range_text(self, low, high, decimals) -> str:
        rng = self.rng
        lo = None if low is None else self.num(q(low, decimals))
        hi = None if high is None else self.num(q(high, decimals))
        if lo is not None and hi is not None:
            style = rng.choice(
                ("{} - {}", "{} - {}", "{}-{}", "{} à {}", "[{} - {}]", "({} - {})", "(N: {} - {})", "{} \u2013 {}")
            )
            return style.format(lo, hi)
        if hi is not None:
            return rng.choice(("< {}", "< {}", "<{}", "inf. à {}", "< {}", "(< {})", "≤ {}")).format(hi)
        return rng.choice(("> {}", "> {}", ">{}", "sup. à {}", "(> {})", "≥ {}")).format(lo)

    def num(self, value: Decimal) -> str:
        return fr(value, self.rng, comma=self.comma)

    def pick_tests(self) -> list:
        rng = self.rng
        sections = list(dict.fromkeys(test.section for test in TESTS))
        chosen_sections = ["hemato"] if rng.random() < 0.75 else []
        chosen_sections += rng.sample([s for s in sections if s != "hemato"], rng.randint(4, 8))
        order = [s for s in sections if s in chosen_sections]
        picked = []
        for section in order:
            tests = [test for test in TESTS if test.section == section]
            if section != "hemato":
                tests = rng.sample(tests, max(1, min(len(tests), rng.randint(3, 7))))
                tests.sort(key=TESTS.index)
            picked.append((section, tests))
        return picked

    def observation(self, test_loinc, value, unit, low, high, flag, page):
        self.observations.append(
            {
                "loinc": test_loinc,
                "value": format(value, "f"),
                "unit": unit,
                "reference_low": None if low is None else format(low, "f"),
                "reference_high": None if high is None else format(high, "f"),
                "flag": flag,
                "page": page,
            }
        )

    def rows(self):
        """The result rows of the report: dicts with label, value text, unit text, range text, flag, previous,
        and the truth observation(s) they carry."""
        rng = self.rng
        rows = []
        for section, tests in self.pick_tests():
            rows.append({"section": rng.choice(SECTIONS[section])})
            for test in tests:
                rows.append(self.row(test))
                if section == "hemato" and test.loinc == "6690-2" and rng.random() < 0.9:
                    rows.append({"subsection": rng.choice(("Formule leucocytaire", "FORMULE LEUCOCYTAIRE", "Formule"))})
                    both = rng.random() < 0.5
                    for formula in FORMULA:
                        rows.extend(self.formula_rows(formula, both))
        return rows

    def row(self, test: Test) -> dict:
        rng = self.rng
        label = rng.choice(test.labels)
        unit_text = rng.choice(test.spellings)
        from labs.analytes import unit_spelling

        unit = unit_spelling(unit_text) if unit_text else ""
        value = self.value(test.low, test.high, test.decimals)
        comparator = ""
        if test.loinc in ("1988-5", "21198-7", "89579-7") and rng.random() < 0.25:
            comparator, value = "<", q(test.high * rng.choice((0.1, 0.2, 0.3)), test.decimals)
            if value <= 0:
                value = q(1, test.decimals)
        low = None if test.low is None else q(test.low, test.decimals)
        high = None if test.high is None else q(test.high, test.decimals)
        flag = "" if comparator else self.flag_of(value, low, high)
        previous = None
        if rng.random() < 0.5:
            previous = (q(float(value) * rng.uniform(0.8, 1.2), test.decimals), self.previous_date())
        alternate = None
        if test.alternate and (self.layout == "dual-units" or rng.random() < 0.15):
            alt_unit, factor, decimals = test.alternate
            alternate = (
                q(float(value) * factor, decimals),
                alt_unit,
                None if low is None else q(float(low) * factor, decimals),
                None if high is None else q(float(high) * factor, decimals),
            )
        return {
            "label": label,
            "labels": test.labels,
            "test": test,
            "value": value,
            "comparator": comparator,
            "unit_text": unit_text,
            "unit": unit,
            "low": low,
            "high": high,
            "flag": flag,
            "previous": previous,
            "alternate": alternate,
            "range": self.range_text(test.low, test.high, test.decimals),
            "decimals": test.decimals,
        }

    def formula_rows(self, formula, both: bool) -> list[dict]:
        rng = self.rng
        percent_loinc, count_loinc, labels, plow, phigh, clow, chigh = formula
        label = rng.choice(labels.split("|"))
        percent = self.value(plow, phigh, 1, 0.2)
        count = self.value(clow, chigh, 2, 0.2)
        percent_row = {
            "label": label,
            "labels": tuple(labels.split("|")),
            "test": None,
            "loinc": percent_loinc,
            "value": percent,
            "comparator": "",
            "unit_text": "%",
            "unit": "%",
            "low": q(plow, 1),
            "high": q(phigh, 1),
            "flag": self.flag_of(percent, q(plow, 1), q(phigh, 1)),
            "previous": None,
            "alternate": None,
            "range": self.range_text(plow, phigh, 1),
            "decimals": 1,
        }
        count_unit_text = rng.choice(("G/L", "10^9/L", "G/l"))
        count_row = {
            "label": label,
            "labels": tuple(labels.split("|")),
            "test": None,
            "loinc": count_loinc,
            "value": count,
            "comparator": "",
            "unit_text": count_unit_text,
            "unit": "G/L",
            "low": q(clow, 2),
            "high": q(chigh, 2),
            "flag": self.flag_of(count, q(clow, 2), q(chigh, 2)),
            "previous": None,
            "alternate": None,
            "range": self.range_text(clow, chigh, 2),
            "decimals": 2,
        }
        if both:
            # The % is printed without its own range or flag.
            count_row["with_percent"] = dict(percent_row, low=None, high=None, flag="")
            return [count_row]
        return [count_row] if rng.random() < 0.2 else [percent_row, count_row]

    def previous_date(self) -> str:
        day, month, year = self.rng.randint(1, 28), self.rng.randint(1, 12), self.rng.choice((2023, 2024))
        return f"{day:02d}/{month:02d}/{year if self.rng.random() < 0.6 else str(year)[2:]}"


def build(number: int, seed: int, out: Path) -> dict:
    from fpdf import FPDF

    report = Report(number, seed)
    rng = report.rng
    pdf = FPDF(format="A4")
    # The same seed gives the same bytes: no clock in the file.
    pdf.set_creation_date(datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
    pdf.set_auto_page_break(False)
    condensed = report.layout in ("two-column",) or rng.random() < 0.3
    for style, name in (CONDENSED if condensed else FONTS).items():
        pdf.add_font("Body", style, str(FONT_DIR / name))
    sample = (rng.randint(2024, 2026), rng.randint(1, 12), rng.randint(1, 28))
    hospital = report.layout == "hospital"
    if hospital:
        # A hospital's report is headed by the hospital's name, its laboratory's under it.
        service, hospital_name, address = rng.choice(HOSPITALS)
        laboratory = hospital_name
    else:
        laboratory, street, town = rng.choice(LABORATORIES)
    writer = Writer(pdf, report, sample, laboratory)
    writer.header(hospital, locals())
    rows = report.rows()
    {
        "classic": writer.classic,
        "compact": writer.compact,
        "two-column": writer.two_columns,
        "hospital": writer.hospital,
        "dual-units": writer.classic,
    }[report.layout](rows)
    writer.footer()
    name = f"lab-{number:04d}"
    pdf_bytes = bytes(pdf.output())
    (out / f"{name}.pdf").write_bytes(pdf_bytes)
    scan, photo = pictures(pdf_bytes, rng)
    (out / f"{name}.jpg").write_bytes(scan)
    (out / f"{name}-photo.jpeg").write_bytes(photo)
    return {
        "id": name,
        "layout": report.layout,
        "pages": pdf.page,
        "laboratory": laboratory,
        "sampled_on": "{:04d}-{:02d}-{:02d}".format(*sample),
        "observations": report.observations,
    }


class Writer:
    def __init__(self, pdf, report: Report, sample, laboratory):
        self.pdf, self.report, self.rng = pdf, report, report.rng
        self.sample, self.laboratory = sample, laboratory
        self.y = 0.0
        self.size = self.rng.choice((8, 8.5, 9, 9.5)) if report.layout != "two-column" else 7.5

    def fit(self, row, width) -> str:
        """The row's label, or a shorter name of the same analyte when it would run into the next column."""
        self.pdf.set_font("Body", "", self.size)
        if self.pdf.get_string_width(row["label"]) <= width:
            return row["label"]
        fitting = [label for label in row["labels"] if self.pdf.get_string_width(label) <= width]
        return self.rng.choice(fitting) if fitting else min(row["labels"], key=len)

    def after(self, x, text, column) -> float:
        """Where the next column starts: its place, or further right when the text before would run into it."""
        self.pdf.set_font("Body", "", self.size)
        return max(column, x + self.pdf.get_string_width(text) + 3)

    def text(self, x, y, text, size=None, style=""):
        self.pdf.set_font("Body", style, size or self.size)
        self.pdf.text(x, y, text)

    def new_page(self):
        self.pdf.add_page()
        self.y = 20

    def header(self, hospital, context):
        rng = self.rng
        self.new_page()
        year, month, day = self.sample
        patient = rng.choice(PATIENTS)
        gender = rng.choice(("Mme", "M.", "Madame", "Monsieur"))
        birth = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(1935, 2005)}"
        edited = f"{min(day + rng.randint(0, 2), 28):02d}/{month:02d}/{year}"
        received = f"{day:02d}/{month:02d}/{year}"
        hour = f"{rng.randint(7, 11):02d}h{rng.choice(('00', '15', '30', '45', '05'))}"
        sample_text = rng.choice(
            (
                f"Prélevé le {day:02d}/{month:02d}/{year} à {hour}",
                f"Date de prélèvement : {day:02d}/{month:02d}/{year} {hour.replace('h', ':')}",
                f"Prélèvement du {day:02d}.{month:02d}.{year} à {hour}",
                f"Prélevé le {day} {MONTH_NAMES[month - 1]} {year} à {hour}",
                f"Date du prélèvement : {day:02d}/{month:02d}/{str(year)[2:]}",
                f"Prélevé(e) le : {day:02d}/{month:02d}/{year}",
            )
        )
        if hospital:
            self.text(12, self.y, context["hospital_name"], 11, "B")
            self.text(12, self.y + 5, context["service"], 9)
            self.text(12, self.y + 9, context["address"], 8)
            self.text(125, self.y, f"Patient : {patient.upper()}", 9, "B")
            self.text(125, self.y + 5, f"Né(e) le {birth}", 9)
            self.text(125, self.y + 9, f"IPP : {rng.randint(10**7, 10**8)}", 9)
            self.y += 18
            self.text(12, self.y, sample_text, 9)
            self.text(125, self.y, f"Validé le {edited} par Dr {rng.choice(('B. NOËL', 'C. ROUX', 'F. GAUTIER'))}", 9)
            self.y += 5
            self.text(12, self.y, f"Prescripteur : {rng.choice(DOCTORS)} - Service de médecine interne", 9)
            self.y += 9
        else:
            self.text(12, self.y, self.laboratory, 12, "B")
            self.text(12, self.y + 5, context["street"], 8.5)
            self.text(
                12,
                self.y + 9,
                context["town"] + "  -  Tél. 0" + " ".join(str(rng.randint(10, 99)) for _ in range(5))[1:],
                8.5,
            )
            self.text(12, self.y + 13, "Biologistes : Dr M. ARNAUD, Dr S. COLIN", 7.5)
            self.text(120, self.y + 2, f"{gender} {patient}", 10, "B")
            self.text(
                120, self.y + 7, rng.choice((f"Née le {birth}", f"Date de naissance : {birth}", f"Né(e) le {birth}")), 9
            )
            self.text(120, self.y + 11, f"Prescripteur : {rng.choice(DOCTORS)}", 9)
            self.y += 22
            self.text(12, self.y, f"Dossier n° {rng.randint(10**8, 10**9)}", 9)
            self.y += 5
            self.text(12, self.y, sample_text, 9)
            self.text(
                120,
                self.y,
                rng.choice(
                    (f"Édité le {edited}", f"Imprimé le {edited} à 14h02", f"Reçu le {received}, édité le {edited}")
                ),
                9,
            )
            self.y += 10

    def footer(self):
        for page in range(1, self.pdf.page + 1):
            self.pdf.page = page
            self.text(
                12,
                287,
                "Laboratoire accrédité COFRAC Examens médicaux n° 8-1234, portée disponible sur www.cofrac.fr",
                6.5,
            )
            self.text(185, 287, f"Page {page}/{self.pdf.pages_count}", 7)
        self.pdf.page = self.pdf.pages_count

    def need(self, height):
        if self.y + height > 275:
            self.new_page()
            self.text(12, self.y, f"{self.laboratory} - suite", 8, "I")
            self.y += 8

    def record(self, row, page):
        loinc = row["test"].loinc if row["test"] else row["loinc"]
        self.report.observation(loinc, row["value"], row["unit"], row["low"], row["high"], row["flag"], page)

    def value_text(self, row):
        return (
            row["comparator"] + " " if row["comparator"] and self.rng.random() < 0.5 else row["comparator"]
        ) + self.report.num(row["value"])

    def previous_text(self, row):
        if not row["previous"]:
            return ""
        value, date = row["previous"]
        return self.rng.choice(("{v} ({d})", "{v}  {d}", "{d} : {v}", "{v} le {d}")).format(
            v=self.report.num(value), d=date
        )

    # --- layouts ---
    def classic(self, rows):
        dual = self.report.layout == "dual-units"
        columns = (12, 82, 104, 128, 168) if not dual else (12, 72, 92, 114, 134, 170)
        titles = (
            ("Analyse", "Résultat", "Unités", "Valeurs de référence", "Antériorités")
            if not dual
            else ("Examen", "Résultat", "Unité", "Conversion", "", "Normes")
        )
        self.table_titles(columns, titles)
        for row in rows:
            if "section" in row or "subsection" in row:
                self.need(12)
                self.y += 3
                self.text(
                    12,
                    self.y,
                    row.get("section") or row.get("subsection"),
                    self.size + 1 if "section" in row else self.size,
                    "B",
                )
                self.y += 6
                continue
            self.need(6)
            percent = row.get("with_percent")
            if percent:
                self.text(columns[0], self.y, self.fit(row, columns[1] - columns[0] - 17))
                self.text(columns[1] - 14, self.y, self.report.num(percent["value"]) + " %")
                self.record(percent, self.pdf.page)
            else:
                self.text(columns[0], self.y, self.fit(row, columns[1] - columns[0] - 2))
            flag = (row["flag"] and self.rng.choice((row["flag"], "*", row["flag"]))) or ""
            self.text(
                columns[1], self.y, self.value_text(row) + (f" {flag}" if flag else ""), style="B" if flag else ""
            )
            self.text(columns[2], self.y, row["unit_text"])
            if dual:
                alternate = row["alternate"]
                if alternate:
                    self.text(columns[3], self.y, self.report.num(alternate[0]))
                    self.text(columns[4], self.y, alternate[1])
                self.text(columns[5], self.y, row["range"])
            else:
                self.text(self.after(columns[2], row["unit_text"], columns[3]), self.y, row["range"])
                self.text(columns[4], self.y, self.previous_text(row), size=self.size - 0.5)
            self.record(row, self.pdf.page)
            self.y += 5

    def table_titles(self, columns, titles):
        for x, title in zip(columns, titles, strict=False):
            self.text(x, self.y, title, style="B")
        self.pdf.line(12, self.y + 1.5, 198, self.y + 1.5)
        self.y += 7

    def compact(self, rows):
        for row in rows:
            if "section" in row or "subsection" in row:
                self.need(12)
                self.y += 3
                self.text(12, self.y, (row.get("section") or row.get("subsection")).upper(), self.size + 1, "B")
                self.y += 6
                continue
            self.need(6)
            self.compact_row(row, 12, 118)
            self.y += 5

    def compact_row(self, row, x, width):
        pdf = self.pdf
        percent = row.get("with_percent")
        pdf.set_font("Body", "", self.size)
        label = self.fit(row, width * 0.5)
        value = self.value_text(row) + " " + row["unit_text"]
        if percent:
            value = f"{self.report.num(percent['value'])} %   " + value
            self.record(percent, pdf.page)
        if row["alternate"] and self.rng.random() < 0.7:
            alternate = row["alternate"]
            value += (
                f"  ({self.report.num(alternate[0])} {alternate[1]})"
                if self.rng.random() < 0.5
                else f"   soit {self.report.num(alternate[0])} {alternate[1]}"
            )
        flag = {"H": self.rng.choice(("H", "↑", "+", "*")), "L": self.rng.choice(("L", "↓", "-", "*")), "": ""}[
            row["flag"]
        ]
        leader_width = width * 0.55 - pdf.get_string_width(label) - 2
        dots = " " + "." * max(2, int(leader_width / pdf.get_string_width("."))) if self.rng.random() < 0.7 else " :"
        self.text(x, self.y, label + dots)
        self.text(x + width * 0.56, self.y, value + (f" {flag}" if flag else ""), style="B" if flag else "")
        range_text = row["range"]
        if not range_text.startswith(("(", "[")):
            range_text = f"({range_text})"
        pdf.set_font("Body", "B" if flag else "", self.size)
        self.text(x + width * 0.56 + pdf.get_string_width(value + " xxx") + 2, self.y, range_text, size=self.size - 1)
        if row["previous"] and x < 100 and self.report.layout == "compact":
            value_, date = row["previous"]
            self.text(165, self.y, f"Antér. {self.report.num(value_)} le {date}", size=self.size - 1.5, style="I")
        self.record(row, self.pdf.page)

    def two_columns(self, rows):
        """Results in two halves of the page: the left one first, then the right one, row by row."""
        items = [row for row in rows if "subsection" not in row]
        half = (len(items) + 1) // 2
        left, right = items[:half], items[half:]
        top = self.y
        for index, column in enumerate((left, right)):
            self.y = top
            x = 10 if index == 0 else 108
            for row in column:
                if self.y > 272:
                    break
                if "section" in row:
                    self.y += 2
                    self.text(x, self.y, row["section"], self.size + 0.5, "B")
                    self.y += 5
                    continue
                row = dict(row, previous=None)
                self.compact_row(row, x, 92)
                self.y += 4.6

    def hospital(self, rows):
        columns = (12, 86, 100, 124, 160)
        self.table_titles(columns, ("Libellé", "Résultat", "", "Unité", "Valeurs usuelles"))
        for row in rows:
            if "section" in row or "subsection" in row:
                self.need(12)
                self.y += 2
                self.pdf.set_fill_color(225, 225, 225)
                self.pdf.rect(12, self.y - 4, 186, 5.5, style="F")
                self.text(14, self.y, (row.get("section") or row.get("subsection")).upper(), self.size, "B")
                self.y += 6
                continue
            self.need(6)
            percent = row.get("with_percent")
            label = self.fit(row, columns[1] - columns[0] - (19 if percent else 2))
            if percent:
                self.text(columns[0], self.y, label)
                self.text(columns[1] - 16, self.y, self.report.num(percent["value"]) + " %")
                self.record(percent, self.pdf.page)
            else:
                self.text(columns[0], self.y, label)
            self.text(columns[1], self.y, self.value_text(row), style="B" if row["flag"] else "")
            if row["flag"]:
                self.text(
                    columns[2] + 8,
                    self.y,
                    self.rng.choice(
                        (
                            {"H": "H", "L": "L"}[row["flag"]],
                            {"H": "↑", "L": "↓"}[row["flag"]],
                            {"H": "HH", "L": "LL"}[row["flag"]] if self.rng.random() < 0.2 else row["flag"],
                        )
                    ),
                    style="B",
                )
            self.text(columns[3], self.y, row["unit_text"])
            range_text = row["range"]
            if "-" in range_text and not range_text.startswith(("[", "(")) and self.rng.random() < 0.6:
                range_text = f"[{range_text.replace(' ', '')}]"
            self.text(self.after(columns[3], row["unit_text"], columns[4]), self.y, range_text)
            self.record(row, self.pdf.page)
            self.y += 5


def pictures(pdf_bytes: bytes, rng: random.Random) -> tuple[bytes, bytes]:
    """The first page scanned and photographed (bench/photos.py), with one noise source for both."""
    import numpy as np

    page = photos.render(pdf_bytes)
    noise = np.random.default_rng(rng.randint(0, 2**31))
    return photos.scan(page, rng, noise), photos.photo(page, rng, noise)


def generate(out: Path, count: int, seed: int = 0, first: int = 1) -> list[dict]:
    out.mkdir(parents=True, exist_ok=True)
    truth = [build(number, seed, out) for number in range(first, first + count)]
    (out / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1))
    return truth


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--count", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0, help="Development seeds are 0-99; 1000 and above are held out.")
    arguments = parser.parse_args()
    truth = generate(arguments.out, arguments.count, arguments.seed)
    print(f"{len(truth)} reports in {arguments.out}")


if __name__ == "__main__":
    main()
