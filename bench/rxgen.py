"""Generates French prescriptions (ordonnances) with their ground truth, to measure the prescription reader.

    .venv/bin/python bench/rxgen.py OUTDIR --count 30 [--seed 0]

Each prescription `rx-NNNN` comes five times: `rx-NNNN.pdf` (fpdf2, with a text layer, as practice software
prints it), `rx-NNNN.jpg` (scanned), `rx-NNNN-photo.jpeg` (an ordinary phone photo) and `rx-NNNN-poor.jpeg`
(a poor phone photo: night, shadow, steep perspective, curled paper; bench/photos.py says what each models) and
`rx-NNNN-poor-processed.jpeg` (the same night scene through the processing a phone's camera app applies).
`truth.json` is in the format of ../shared/data/prescriptions/truth.json (its README explains the fields and
conventions), plus `zone` per medication ("" on a one-zone prescription, "ald" or "other" on a two-zone
"ordonnance bizone") and `eprescription_id` per prescription (the identifier its QR code encodes, or null).

Drugs are real specialities of the project's drug lexicon (derived from the BDPM). About 40 % of the lines
name the substance only ("Paracétamol 1 g cp"): their truth names one speciality with that substance,
strength and form, whose brand the line does not write (bench/extraction.py matches such lines by substance
and strength). Posologies use the notations French prescribers write ("1-0-1", "x2/j", "QSP 3 mois", "au
coucher", "si douleur"...), on the drug's line or on the next ones. "À renouveler N fois" does not change
`duration_days` (the duration written is one dispensing's).

Layouts: a classic one (prescriber header with RPPS, address and phone; patient, date, sometimes weight and
age; medications; signature) and the two-zone ALD one (cerfa "ordonnance bizone"). About half carry an
e-prescription QR code in a corner with the caption "Ordonnance numérique". The same seed gives the same files.
"""

import argparse
import datetime
import functools
import io
import json
import logging
import random
import re
import string
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import photos
from treatments import lexicon

logging.getLogger("fontTools").setLevel(logging.WARNING)

FONT_DIR = Path("/usr/share/fonts/truetype")
FONTS = (
    {"": "dejavu/DejaVuSans.ttf", "B": "dejavu/DejaVuSans-Bold.ttf", "I": "dejavu/DejaVuSans-Oblique.ttf"},
    {
        "": "liberation/LiberationSans-Regular.ttf",
        "B": "liberation/LiberationSans-Bold.ttf",
        "I": "liberation/LiberationSans-Italic.ttf",
    },
    {"": "dejavu/DejaVuSerif.ttf", "B": "dejavu/DejaVuSerif-Bold.ttf", "I": "dejavu/DejaVuSerif-Italic.ttf"},
)
DCI_SHARE = 0.47  # of the oral lines (85 % of all): about 40 % of all lines
QR_SHARE = 0.5
BIZONE_SHARE = 0.3
ALD_TITLE = (
    "Prescriptions relatives au traitement de l'affection de longue durée reconnue (liste ou hors liste)",
    "(AFFECTION EXONÉRANTE)",
)
OTHER_TITLE = ("Prescriptions SANS RAPPORT avec l'affection de longue durée", "(MALADIES INTERCURRENTES)")

# Substances taken by mouth that GPs prescribe every day, as a prescriber writes them. The lexicon's
# specialities of each (one substance, a strength in mg/g/µg/UI, a tablet, capsule or powder) are drawn from.
ORAL_SUBSTANCES = (
    "Paracétamol",
    "Amoxicilline",
    "Ibuprofène",
    "Metformine",
    "Atorvastatine",
    "Rosuvastatine",
    "Simvastatine",
    "Amlodipine",
    "Ramipril",
    "Périndopril",
    "Bisoprolol",
    "Nébivolol",
    "Lévothyroxine",
    "Oméprazole",
    "Ésoméprazole",
    "Pantoprazole",
    "Lansoprazole",
    "Sertraline",
    "Escitalopram",
    "Paroxétine",
    "Fluoxétine",
    "Venlafaxine",
    "Mirtazapine",
    "Alprazolam",
    "Bromazépam",
    "Zolpidem",
    "Zopiclone",
    "Prednisolone",
    "Prednisone",
    "Tramadol",
    "Clopidogrel",
    "Apixaban",
    "Rivaroxaban",
    "Furosémide",
    "Losartan",
    "Valsartan",
    "Irbésartan",
    "Candésartan",
    "Allopurinol",
    "Gabapentine",
    "Prégabaline",
    "Cétirizine",
    "Desloratadine",
    "Lévocétirizine",
    "Dompéridone",
    "Métoclopramide",
    "Lopéramide",
    "Azithromycine",
    "Clarithromycine",
    "Doxycycline",
    "Ciprofloxacine",
    "Kétoprofène",
    "Diclofénac",
    "Naproxène",
    "Macrogol 4000",
    "Diosmectite",
    "Tamsulosine",
    "Colchicine",
    "Spironolactone",
    "Quétiapine",
    "Lamotrigine",
    "Lévétiracétam",
    "Sitagliptine",
    "Gliclazide",
    "Phloroglucinol",
    "Acide acétylsalicylique",
)
# Substances that may be taken "if needed".
AS_NEEDED = {"paracetamol", "ibuprofene", "ketoprofene", "phloroglucinol"}
# Creams, gels, eye drops, inhalers, drops: written by brand, with their usual posologies.
LOCAL_DRUGS = (
    ("VENTOLINE 100 microgrammes/dose, suspension pour inhalation en flacon pressurisé", "inhaler"),
    ("FLIXOTIDE 125 microgrammes/dose, suspension pour inhalation en flacon pressurisé", "inhaler"),
    ("BETNEVAL 0,1 %, crème", "skin"),
    ("FUCIDINE 2 POUR CENT, crème", "skin"),
    ("VOLTARENE EMULGEL 1 %, gel", "skin"),
    ("PEVARYL 1 %, crème", "skin"),
    ("DIPROSONE 0,05 %, crème", "skin"),
    ("KETODERM 2 %, crème", "skin"),
    ("TOBREX 0,3 %, collyre en solution", "eye"),
    ("XALATAN 50 microgrammes/mL, collyre en solution", "eye"),
    ("ZYMAD 10 000 UI/ml, solution buvable en gouttes", "drops"),
)
LOCAL_SHARE = 0.15
_STRENGTH = re.compile(r"\d+(?: \d{3})*(?:,\d+)? (?:mg|g|microgrammes?|UI)")

FIRST_NAMES = (
    ("Marie", "F"),
    ("Jean", "M"),
    ("Sophie", "F"),
    ("Louis", "M"),
    ("Chantal", "F"),
    ("Ahmed", "M"),
    ("Nathalie", "F"),
    ("Michel", "M"),
    ("Isabelle", "F"),
    ("Karim", "M"),
    ("Émilie", "F"),
    ("Paul", "M"),
    ("Fatima", "F"),
    ("Thomas", "M"),
    ("Léa", "F"),
    ("Hélène", "F"),
    ("Yannick", "M"),
)
LAST_NAMES = (
    "Dupont",
    "Martin",
    "Bernard",
    "Petit",
    "Robert",
    "Richard",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefebvre",
    "Garcia",
    "Nguyen",
    "Benali",
    "Rousseau",
    "Fontaine",
    "Chevalier",
)
SPECIALTIES = (
    "Médecine générale",
    "Médecin généraliste",
    "Cardiologie",
    "Rhumatologie",
    "Pneumologie",
    "Endocrinologie - Diabétologie",
    "Dermatologie",
    "Psychiatrie",
    "Ancien interne des Hôpitaux de Paris",
)
STREETS = (
    "rue de la République",
    "avenue Jean Jaurès",
    "boulevard Victor Hugo",
    "place du Marché",
    "rue Pasteur",
    "allée des Tilleuls",
    "rue Gambetta",
    "chemin des Vignes",
)
TOWNS = (
    ("69003", "Lyon"),
    ("13005", "Marseille"),
    ("37000", "Tours"),
    ("35000", "Rennes"),
    ("29000", "Quimper"),
    ("31400", "Toulouse"),
    ("67000", "Strasbourg"),
    ("59000", "Lille"),
    ("75011", "Paris"),
    ("33000", "Bordeaux"),
)
MONTHS = (
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


# The drugs ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    """A drug the generator may write: the speciality the truth names, how the line may name it."""

    drug: lexicon.Drug
    substance: str  # as a prescriber writes it: "Paracétamol"
    unit: str  # what a dose is counted in: "comprimé", "gélule", "sachet", "application", "goutte", "bouffée"
    kind: str  # "oral", or the local kind: "skin", "eye", "inhaler", "drops"


def _key(substances: str) -> str:
    """A substance as compared here: folded, without its salt words ("chlorhydrate de tramadol" -> "tramadol")."""
    words = [word for word in lexicon.fold(substances).split() if word not in lexicon.SALT_WORDS]
    return " ".join(word for word in words if word not in ("de", "d", "cilexetil", "dichlorhydrate"))


def _oral_unit(form: str) -> str | None:
    folded = lexicon.fold(form)
    if folded.startswith("comprime"):
        return "comprimé"
    if folded.startswith("gelule"):
        return "gélule"
    if folded.startswith("poudre pour") and "buvable" in folded:
        return "sachet"
    return None


def _writable_strength(strength: str) -> bool:
    """One amount in a unit the benchmark compares: "500 mg", "2,5 mg", "1 g", "75 microgrammes", "100 000 UI"."""
    return bool(_STRENGTH.fullmatch(strength))


def _build_catalogue() -> tuple[dict[str, list[Choice]], list[Choice]]:
    """(oral choices by substance key, local choices), in the lexicon's order."""
    wanted = {_key(name): name for name in ORAL_SUBSTANCES}
    oral: dict[str, list[Choice]] = {key: [] for key in wanted}
    local = []
    local_names = dict(LOCAL_DRUGS)
    for drug in lexicon._drugs():
        if drug.name in local_names:
            if not any(choice.drug.name == drug.name for choice in local):
                kind = local_names[drug.name]
                unit = {"skin": "application", "eye": "goutte", "inhaler": "bouffée", "drops": "goutte"}[kind]
                local.append(Choice(drug, drug.substances.title(), unit, kind))
            continue
        key = _key(drug.substances)
        if key not in wanted or "orale" not in drug.routes or not _writable_strength(drug.strength):
            continue
        unit = _oral_unit(drug.form)
        if unit is not None:
            oral[key].append(Choice(drug, wanted[key], unit, "oral"))
    return {key: choices for key, choices in oral.items() if choices}, local


@functools.cache
def catalogue() -> tuple[dict[str, list[Choice]], list[Choice]]:
    """Built once, on first use."""
    return _build_catalogue()


# Writing a drug line ----------------------------------------------------------------------------------------------


def strength_text(strength: str, rng: random.Random) -> str:
    """ "1000 mg" as prescribers write it: "1000 mg", "1000mg", "1 g", "1g", "1G"."""
    value, _, unit = strength.partition(" ")
    if unit == "mg" and value.isdigit() and int(value) % 1000 == 0 and rng.random() < 0.6:
        value, unit = str(int(value) // 1000), rng.choice(("g", "g", "G"))
    if unit.startswith("microgramme") and rng.random() < 0.4:
        unit = rng.choice(("µg", "mcg"))
    return value + rng.choice((" ", " ", "")) + unit


def short_form(choice: Choice, rng: random.Random) -> str:
    return {
        "comprimé": rng.choice(("comprimé", "cp", "cp", "cpr", "comprimé", "")),
        "gélule": rng.choice(("gélule", "gélule", "gél", "")),
        "sachet": rng.choice(("sachet", "poudre", "sachets")),
    }.get(choice.unit, "")


def title_brand(brand: str) -> str:
    return " ".join(word.capitalize() if len(word) > 2 else word for word in brand.split())


def dci_line(choice: Choice, rng: random.Random) -> str:
    substance = choice.substance.upper() if rng.random() < 0.3 else choice.substance
    form = short_form(choice, rng)
    label = f"{substance} {strength_text(choice.drug.strength, rng)}"
    return f"{label} {form}".strip()


def brand_line(choice: Choice, rng: random.Random) -> str:
    drug = choice.drug
    style = rng.random()
    if style < 0.5 or choice.kind != "oral":
        return drug.name  # the BDPM denomination, as practice software prints it
    brand = drug.brand if rng.random() < 0.5 else title_brand(drug.brand)
    if style < 0.8:
        return f"{brand} {drug.strength} {choice.unit}"
    return f"{brand} {strength_text(drug.strength, rng)} {short_form(choice, rng)}".strip()


def pick_dci_speciality(choices: list[Choice], label: str, rng: random.Random) -> Choice | None:
    """A speciality of the line's substance, strength and form whose brand the line does not write."""
    label_words = set(lexicon.fold(label).split())
    fitting = [choice for choice in choices if not set(lexicon.fold(choice.drug.brand).split()) <= label_words]
    return rng.choice(fitting) if fitting else None


# Posology ---------------------------------------------------------------------------------------------------------

M, N, E, B = "morning", "noon", "evening", "bedtime"


def unit_word(unit: str, dose: int, rng: random.Random, *, abbreviate: bool = True) -> str:
    if abbreviate and unit == "comprimé" and rng.random() < 0.35:
        return rng.choice(("cp", "cp", "cps" if dose > 1 else "cp", "cpr"))
    if abbreviate and unit == "gélule" and rng.random() < 0.2:
        return "gél"
    plural = {"comprimé": "comprimés", "gélule": "gélules", "sachet": "sachets", "bouffée": "bouffées"}
    plural |= {"goutte": "gouttes", "application": "applications"}
    return plural[unit] if dose > 1 else unit


def oral_posology(choice: Choice, rng: random.Random) -> tuple[str, int, list[str], bool, str]:
    """(text, dose, periods, as needed, notation) for a medication taken by mouth."""
    unit = choice.unit
    dose = 1 if rng.random() < 0.75 else 2
    quantity = f"{dose} {unit_word(unit, dose, rng)}"
    options = [
        ("moments", None),
        ("moments", None),
        ("dashes", None),
        ("times", None),
        ("per-day", None),
        ("bedtime", None),
    ]
    if _key(choice.drug.substances) in AS_NEEDED or lexicon.fold(choice.substance) in AS_NEEDED:
        options += [("as-needed", None)] * 3
    notation, _ = rng.choice(options)
    if notation == "moments":
        text, periods = rng.choice(
            (
                ("matin et soir", [M, E]),
                ("le matin", [M]),
                ("le soir", [E]),
                ("le midi", [N]),
                ("matin, midi et soir", [M, N, E]),
                ("le matin et le soir", [M, E]),
                ("matin midi soir", [M, N, E]),
                ("au petit-déjeuner", [M]),
                ("au dîner", [E]),
            )
        )
        if text.startswith("au ") and rng.random() < 0.5:
            text = {"au petit-déjeuner": "le matin", "au dîner": "le soir"}[text]
        return f"{quantity} {text}", dose, periods, False, "moments"
    if notation == "dashes":
        pattern, periods = rng.choice(
            (("1-0-1", [M, E]), ("1-1-1", [M, N, E]), ("0-0-1", [E]), ("1-0-0", [M]), ("0-1-0", [N]), ("1-0-1", [M, E]))
        )
        if dose == 2:
            pattern = pattern.replace("1", "2")
        spaced = rng.random() < 0.2
        shown = pattern.replace("-", " - ") if spaced else pattern
        prefix = rng.choice(("", "", "Posologie : ", "Prendre "))
        return prefix + shown, dose, periods, False, "dashes"
    if notation == "times":
        times = rng.choice((2, 3))
        periods = [M, E] if times == 2 else [M, N, E]
        text = rng.choice((f"{times} fois par jour", f"{times} fois/jour", f"{times} fois par jour"))
        return f"{quantity} {text}", dose, periods, False, "times"
    if notation == "per-day":
        times = rng.choice((2, 3))
        periods = [M, E] if times == 2 else [M, N, E]
        text = rng.choice((f"x{times}/j", f"x {times}/j", f"{times}x/j"))
        return f"{quantity} {text}", dose, periods, False, "per-day"
    if notation == "bedtime":
        text = rng.choice(("au coucher", "le soir au coucher", "au coucher"))
        return f"{quantity} {text}", dose, [B], False, "bedtime"
    text = rng.choice(
        (
            "si douleur",
            "si besoin",
            "en cas de douleur",
            "en cas de fièvre, max 3/j",
            "si douleur, maximum 3 par jour",
            "en cas de fièvre ou de douleur",
        )
    )
    return f"{quantity} {text}", dose, [], True, "as-needed"


def local_posology(choice: Choice, rng: random.Random) -> tuple[str, int, list[str], bool, str]:
    if choice.kind == "skin":
        text, periods = rng.choice((("matin et soir", [M, E]), ("le soir", [E]), ("2 fois par jour", [M, E])))
        verb = rng.choice(("1 application", "Appliquer 1 fois", "1 application"))
        if verb.startswith("Appliquer"):
            return f"Appliquer {text} sur les lésions", 1, periods, False, "skin"
        return f"1 application {text} sur les lésions", 1, periods, False, "skin"
    if choice.kind == "eye":
        text, periods = rng.choice((("matin et soir", [M, E]), ("le soir", [E]), ("3 fois par jour", [M, N, E])))
        return f"1 goutte dans chaque œil {text}", 1, periods, False, "eye"
    if choice.kind == "inhaler":
        if lexicon.fold(choice.drug.substances) == "salbutamol":
            return (
                rng.choice(("2 bouffées si gêne respiratoire", "2 bouffées en cas de crise")),
                2,
                [],
                True,
                "as-needed",
            )
        return "2 bouffées matin et soir", 2, [M, E], False, "inhaler"
    dose = rng.choice((3, 4))
    return f"{dose} gouttes le matin", dose, [M], False, "drops"


def duration(rng: random.Random, *, chronic: bool) -> tuple[str, int, str]:
    """(text, days, renewal text)."""
    if chronic and rng.random() < 0.6:
        text, days = rng.choice(
            (("QSP 3 mois", 90), ("QSP 1 mois", 30), ("pendant 3 mois", 90), ("1 mois", 30), ("pendant 1 mois", 30))
        )
        renewal = rng.choice(("", "", ", à renouveler 2 fois", ", à renouveler 3 fois", " - AR 2 fois"))
        return text, days, renewal
    choice = rng.random()
    if choice < 0.5:
        days = rng.choice((3, 5, 6, 7, 8, 10, 14, 15, 20, 21))
        return (
            rng.choice((f"pendant {days} jours", f"pendant {days} j", f"{days} jours", f"durant {days} jours")),
            days,
            "",
        )
    if choice < 0.75:
        weeks = rng.choice((1, 2, 3, 4))
        return f"pendant {weeks} semaine{'s' if weeks > 1 else ''}", 7 * weeks, ""
    months = rng.choice((1, 2, 3))
    return rng.choice((f"pendant {months} mois", f"QSP {months} mois")), 30 * months, ""


# The prescription -------------------------------------------------------------------------------------------------


def identifier(rng: random.Random) -> str:
    """An e-prescription's unique identifier: 15 upper-case letters and digits, at least one digit."""
    while True:
        drawn = "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(15))
        if any(character.isdigit() for character in drawn):
            return drawn


def medication(rng: random.Random) -> dict:
    """A medication as written (its lines) and as the truth records it."""
    oral, local = catalogue()
    if rng.random() < LOCAL_SHARE:
        choice = rng.choice(local)
        label, written_by = brand_line(choice, rng), "brand"
        text, dose, periods, as_needed, notation = local_posology(choice, rng)
    else:
        key = rng.choice(sorted(oral))
        choice = rng.choice(oral[key])
        if rng.random() < DCI_SHARE:
            label = dci_line(choice, rng)
            same = [
                other
                for other in oral[key]
                if other.drug.strength == choice.drug.strength and other.unit == choice.unit
            ]
            picked = pick_dci_speciality(same, label, rng)
            if picked is not None:
                choice, written_by = picked, "dci"
            else:
                label, written_by = brand_line(choice, rng), "brand"
        else:
            label, written_by = brand_line(choice, rng), "brand"
        text, dose, periods, as_needed, notation = oral_posology(choice, rng)
    chronic = not as_needed and choice.kind == "oral" and rng.random() < 0.4
    duration_text, days, renewal = duration(rng, chronic=chronic)
    drug = choice.drug
    return {
        "label": label,
        "posology": text,
        "duration_text": duration_text + renewal,
        "truth": {
            "dose": dose,
            "unit": choice.unit,
            "periods": periods,
            "duration_days": days,
            "as_needed": as_needed,
            "notation": f"{written_by}/{notation}",
            "label": label,
            "brand": drug.brand,
            "dci": drug.substances,
            "strength": drug.strength,
            "cis": drug.cis,
            "form": drug.form,
            "zone": "",
        },
    }


def lines_of(entry: dict, rng: random.Random) -> list[tuple[str, bool]]:
    """The printed lines of a medication: (text, indented). Posology on the drug's line or on the next ones."""
    label, posology, duration_text = entry["label"], entry["posology"], entry["duration_text"]
    placement = rng.random()
    if placement < 0.3:
        separator = rng.choice((" : ", " - ", ", ", "  "))
        return [(f"{label}{separator}{posology}, {duration_text}", False)]
    if placement < 0.65:
        return [(label, False), (f"{posology} {duration_text}", True)]
    if placement < 0.85:
        return [(label, False), (posology, True), (duration_text[0].upper() + duration_text[1:], True)]
    return [(f"{label} : {posology}", False), (duration_text[0].upper() + duration_text[1:], True)]


class Writer:
    def __init__(self, pdf, rng: random.Random, size: float):
        self.pdf, self.rng, self.size = pdf, rng, size

    def text(self, x: float, y: float, text: str, size: float | None = None, style: str = ""):
        self.pdf.set_font("Body", style, size or self.size)
        self.pdf.text(x, y, text)

    def width(self, text: str, size: float | None = None, style: str = "") -> float:
        self.pdf.set_font("Body", style, size or self.size)
        return self.pdf.get_string_width(text)


def prescriber(rng: random.Random) -> dict:
    first, _ = rng.choice(FIRST_NAMES)
    town = rng.choice(TOWNS)
    return {
        "name": f"{rng.choice(('Dr', 'Docteur', 'Dr'))} {first} {rng.choice(LAST_NAMES).upper()}",
        "specialty": rng.choice(SPECIALTIES),
        "rpps": "10" + "".join(str(rng.randint(0, 9)) for _ in range(9)),
        "street": f"{rng.randint(1, 140)} {rng.choice(STREETS)}",
        "town": town,
        "phone": "0" + str(rng.randint(1, 5)) + " " + " ".join(f"{rng.randint(0, 99):02d}" for _ in range(4)),
    }


def patient(rng: random.Random) -> tuple[str, str]:
    first, sex = rng.choice(FIRST_NAMES)
    title = "M." if sex == "M" else rng.choice(("Mme", "Mme", "Mlle"))
    last = rng.choice(LAST_NAMES)
    printed = rng.choice((f"{title} {first} {last}", f"{title} {last.upper()} {first}", f"{first} {last.upper()}"))
    return f"{title} {first} {last}", printed


def qr_png(data: str) -> io.BytesIO:
    import segno

    buffer = io.BytesIO()
    segno.make(data, error="m", micro=False).save(buffer, kind="png", scale=6, border=2)
    buffer.seek(0)
    return buffer


def build(number: int, seed: int, out: Path) -> dict:
    from fpdf import FPDF

    rng = random.Random(seed * 7919 + number)  # noqa: S311  # nosec B311  # reproducible test data, not secrets
    pdf = FPDF(format="A4")
    # The same seed gives the same bytes: no clock in the file.
    pdf.set_creation_date(datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
    pdf.set_auto_page_break(False)
    for style, name in rng.choice(FONTS).items():
        pdf.add_font("Body", style, str(FONT_DIR / name))
    pdf.add_page()
    bizone = rng.random() < BIZONE_SHARE
    entries = [medication(rng) for _ in range(rng.randint(2 if bizone else 1, 6))]
    writer = Writer(pdf, rng, rng.choice((10.5, 11, 11.5, 12) if len(entries) <= 4 else (10, 10.5)))
    doctor = prescriber(rng)
    patient_name, patient_printed = patient(rng)
    date = datetime.date(2026, 1, 1) + datetime.timedelta(days=rng.randint(0, 330))
    eprescription = identifier(rng) if rng.random() < QR_SHARE else None
    qr_corner = rng.choice(("top-right", "bottom-left", "bottom-right")) if eprescription else None
    if bizone:
        # Most two-zone prescriptions fill both zones; some have only ALD medications.
        ald_count = rng.randint(1, len(entries) - 1) if len(entries) > 1 and rng.random() < 0.85 else len(entries)
        for index, entry in enumerate(entries):
            entry["truth"]["zone"] = "ald" if index < ald_count else "other"

    # Header: the prescriber on the left, the date on the right (under the QR code when it is there).
    y = 18
    writer.text(15, y, doctor["name"], writer.size + 2, "B")
    writer.text(15, y + 6, doctor["specialty"], writer.size - 1)
    writer.text(15, y + 11, f"RPPS {doctor['rpps']}" if rng.random() < 0.6 else f"N° RPPS : {doctor['rpps']}", 9)
    writer.text(15, y + 16, doctor["street"], 9)
    writer.text(15, y + 21, f"{doctor['town'][0]} {doctor['town'][1]}", 9)
    writer.text(15, y + 26, f"Tél. {doctor['phone']}", 9)
    date_text = rng.choice(
        (
            f"Le {date:%d/%m/%Y}",
            f"{doctor['town'][1]}, le {date:%d/%m/%Y}",
            f"Le {date.day} {MONTHS[date.month - 1]} {date.year}",
            f"Fait à {doctor['town'][1]}, le {date:%d/%m/%Y}",
        )
    )
    date_y = 52 if qr_corner == "top-right" else y
    writer.text(195 - writer.width(date_text), date_y, date_text)
    y = 62 if qr_corner == "top-right" else 55
    writer.text(115, y, patient_printed, writer.size, "B")
    extra = []
    if rng.random() < 0.5:
        extra.append(f"Poids : {rng.randint(45, 105)} kg")
    if rng.random() < 0.4:
        extra.append(f"Âge : {rng.randint(18, 92)} ans")
    elif rng.random() < 0.4:
        birth = datetime.date(rng.randint(1935, 2005), rng.randint(1, 12), rng.randint(1, 28))
        extra.append(f"Né(e) le {birth:%d/%m/%Y}")
    for index, line in enumerate(extra):
        writer.text(115, y + 5 * (index + 1), line, writer.size - 1)
    y += 5 * len(extra) + 14

    if bizone:
        y = write_bizone(writer, entries, y)
    else:
        title = rng.choice(("ORDONNANCE", "Ordonnance", ""))
        if title:
            writer.text(105 - writer.width(title, writer.size + 3, "B") / 2, y, title, writer.size + 3, "B")
            y += 12
        y = write_medications(writer, entries, y)

    if rng.random() < 0.3 and not any("renouveler" in entry["duration_text"] for entry in entries):
        writer.text(120, min(y + 6, 238), rng.choice(("À renouveler 2 fois", "Non renouvelable")), writer.size - 1)
    signature_x = 30 if qr_corner == "bottom-right" else 135
    writer.text(signature_x, 250, rng.choice(("Signature", "Dr " + doctor["name"].split()[-1], "")), 9, "I")
    if eprescription:
        place_qr(writer, eprescription, qr_corner)
    writer.text(15, 288, "Ordonnance à conserver - valable 3 mois", 7)

    name = f"rx-{number:04d}"
    if y > (255 - 32 if qr_corner in ("bottom-left", "bottom-right") else 245):
        print(f"{name}: the medications run into the signature or the QR code (y={y:.0f} mm)", file=sys.stderr)
    pdf_bytes = bytes(pdf.output())
    (out / f"{name}.pdf").write_bytes(pdf_bytes)
    pictures = random.Random(f"{seed}/{number}/pictures")  # noqa: S311  # nosec B311
    page = photos.render(pdf_bytes)
    (out / f"{name}.jpg").write_bytes(photos.scan(page, pictures))
    (out / f"{name}-photo.jpeg").write_bytes(photos.photo(page, pictures))
    night = random.Random()  # noqa: S311  # nosec B311
    night.setstate(pictures.getstate())  # the same night scene, as the phone's processing delivers it
    (out / f"{name}-poor.jpeg").write_bytes(photos.poor_photo(page, pictures))
    (out / f"{name}-poor-processed.jpeg").write_bytes(photos.processed_poor_photo(page, night))
    return {
        "id": name,
        "date": date.isoformat(),
        "prescriber": doctor["name"],
        "patient": patient_name,
        "eprescription_id": eprescription,
        "medications": [entry["truth"] for entry in entries],
    }


def write_medications(writer: Writer, entries: list[dict], y: float) -> float:
    rng = writer.rng
    bullet = rng.choice(("number", "number-paren", "dash", "none"))
    for index, entry in enumerate(entries, start=1):
        prefix = {"number": f"{index}. ", "number-paren": f"{index}) ", "dash": "- ", "none": ""}[bullet]
        for line, indented in lines_of(entry, rng):
            text = line if indented else prefix + line
            # A line too long for the page is cut where a prescriber's software wraps it.
            x = 28 if indented else 20
            while writer.width(text) > 190 - x:
                cut = text.rfind(" ", 0, int(len(text) * (190 - x) / writer.width(text)))
                writer.text(x, y, text[:cut])
                text, x, y = text[cut + 1 :], 28, y + writer.size * 0.5
            writer.text(x, y, text)
            y += writer.size * 0.5
        y += rng.choice((3, 4, 6))
    return y


def write_bizone(writer: Writer, entries: list[dict], y: float) -> float:
    """The cerfa two-zone layout: the ALD zone above a rule, the other prescriptions below it."""
    pdf = writer.pdf
    ald = [entry for entry in entries if entry["truth"]["zone"] == "ald"]
    other = [entry for entry in entries if entry["truth"]["zone"] == "other"]
    for index, (title, zone_entries) in enumerate(((ALD_TITLE, ald), (OTHER_TITLE, other))):
        if index == 1:
            y = max(y + 2, 150) if y < 150 else y + 2
            pdf.set_line_width(0.5)
            pdf.line(12, y, 198, y)
            y += 7
        for line in title:
            writer.text(105 - writer.width(line, 8.5, "B") / 2, y, line, 8.5, "B")
            y += 4.5
        y += 5
        y = write_medications(writer, zone_entries, y) if zone_entries else y + 8
    return y


def place_qr(writer: Writer, identifier_text: str, corner: str):
    size = writer.rng.uniform(22, 30)
    x, y = {"top-right": (195 - size, 8), "bottom-left": (15, 255 - size), "bottom-right": (195 - size, 255 - size)}[
        corner
    ]
    writer.pdf.image(qr_png(identifier_text), x=x, y=y, w=size, h=size)
    caption = "Ordonnance numérique"
    writer.text(x + size / 2 - writer.width(caption, 8) / 2, y + size + 3.5, caption, 8)


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
    print(f"{len(truth)} prescriptions in {arguments.out}")


if __name__ == "__main__":
    main()
