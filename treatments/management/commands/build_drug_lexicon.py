"""Derives the drug lexicon the project ships (treatments/data/drug_lexicon.tsv.gz) from the public drug database,
and the data the safety checks read: each speciality's strength per unit of each substance
(treatments/data/drug_safety.tsv.gz) and the substances of each class of drugs (treatments/data/drug_classes.tsv).

The BDPM (https://base-donnees-publique.medicaments.gouv.fr) is published by ANSM under the Licence Ouverte. Users'
machines do not have it: the command runs where the BDPM files are, and its output is committed. It keeps every
speciality whose authorisation is active, marketed or not: a patient may still hold a box of one no longer sold.
"""

import gzip
import io
import re
from collections import defaultdict
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from treatments.lexicon import COLUMNS, LEXICON_PATH, Drug, fold
from treatments.safety.classes import CLASSES_COLUMNS, CLASSES_PATH, DEFINITIONS
from treatments.safety.doses import COUNTED_UNITS
from treatments.safety.substances import SAFETY_DATA_COLUMNS, SAFETY_DATA_PATH, milligrams, millilitres, substance_key

SPECIALITIES_FILE = "CIS_bdpm.txt"
COMPOSITIONS_FILE = "CIS_COMPO_bdpm.txt"
SPECIALITY_COLUMNS = 12
COMPOSITION_COLUMNS = 9
ACTIVE_AUTHORISATION = "Autorisation active"
THERAPEUTIC_FRACTION = "FT"
# Words the BDPM adds to a substance's name that tell a patient nothing: "AMOXICILLINE BASE" is their amoxicillin.
SUBSTANCE_SUFFIXES = re.compile(r"\s+(BASE|ANHYDRE|ÉLÉMENT|POUR PRÉPARATIONS HOMÉOPATHIQUES)$")
# The strength starts at the first word of the name that begins with a digit ("DOLIPRANE 1000 mg"), unless words in
# capitals and then another number follow it: that number and those words are the name's ("MACROGOL 4000 EG 4 g",
# "NOVOMIX 30 FLEXPEN 100 Unités/ml"). A strength's own capitals follow a unit ("1000 UI FVW / 1000 UI FVIII",
# "40 mg/mL ADRENALINE 1/100 000"), or come last ("5 POUR CENT").
STRENGTH_START = re.compile(r"\s+(?=\d)(?!\S+(?:\s+[A-ZÀ-Ý][A-ZÀ-Ý'-]+)+\s+\d)")
# Some BDPM files carry Windows-1252 characters as C1 control characters ("d\x92organes"): read them as such.
C1_AS_WINDOWS_1252 = {code: bytes([code]).decode("cp1252", errors="ignore") for code in range(0x80, 0xA0)}

# A substance's composition rows: (cis, form, link number) -> [(nature, name, strength)].
LinkGroups = dict[tuple[str, str, str], list[tuple[str, str, str]]]


class Command(BaseCommand):
    help = "Builds the drug lexicon (treatments/data/drug_lexicon.tsv.gz) from the BDPM files."

    def add_arguments(self, parser):
        parser.add_argument(
            "--source",
            type=Path,
            default=settings.BASE_DIR.parent / "shared" / "data" / "bdpm",
            help=f"folder holding {SPECIALITIES_FILE} and {COMPOSITIONS_FILE}",
        )
        parser.add_argument("--output", type=Path, default=LEXICON_PATH)
        parser.add_argument("--safety-output", type=Path, default=SAFETY_DATA_PATH)
        parser.add_argument("--classes-output", type=Path, default=CLASSES_PATH)

    def handle(self, *args, source: Path, output: Path, safety_output: Path, classes_output: Path, **options):
        if not source.is_dir():
            raise CommandError(f"{source} is not a folder: pass --source with the folder of the BDPM files.")
        specialities = read_table(source / SPECIALITIES_FILE, columns=SPECIALITY_COLUMNS)
        compositions = read_table(source / COMPOSITIONS_FILE, columns=COMPOSITION_COLUMNS)
        drugs = build_drugs(specialities, compositions)
        content = lexicon_bytes(drugs)
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_bytes(content)
        self.stdout.write(
            self.style.SUCCESS(f"{len(drugs)} drugs written to {output} ({len(content) / 1024:.0f} KiB).")
        )
        strengths = build_strengths(specialities, compositions)
        content = gzipped_tsv(SAFETY_DATA_COLUMNS, strengths)
        safety_output.write_bytes(content)
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(strengths)} strengths of {len({row[0] for row in strengths})} drugs written to "
                f"{safety_output} ({len(content) / 1024:.0f} KiB)."
            )
        )
        members = build_class_members(compositions)
        classes_output.write_text(tsv_text(CLASSES_COLUMNS, members), encoding="utf-8")
        self.stdout.write(self.style.SUCCESS(f"{len(members)} class members written to {classes_output}."))


def read_table(path: Path, *, columns: int) -> list[list[str]]:
    if not path.is_file():
        raise CommandError(f"{path} is missing: pass --source with the folder of the BDPM files.")
    rows = [[field.strip() for field in line.split("\t")] for line in decode(path.read_bytes()).splitlines()]
    for number, row in enumerate(rows, start=1):
        if len(row) < columns:
            raise CommandError(f"{path}, line {number}: {len(row)} columns where {columns} were expected.")
    return rows


def decode(raw: bytes) -> str:
    """The BDPM has published its files in UTF-8 and in Latin-1 over the years: take whichever this one is."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return text.translate(C1_AS_WINDOWS_1252)


def build_drugs(specialities: list[list[str]], compositions: list[list[str]]) -> list[Drug]:
    groups = link_groups(compositions)
    substances_by_cis = patient_substances(groups)
    active = [row for row in specialities if row[4] == ACTIVE_AUTHORISATION]
    brands = {row[0]: split_denomination(row[1], row[2])[0] for row in active}
    substances_by_brand = brand_substances(brands, substances_by_cis)
    known_substances = substance_names(groups)
    drugs = []
    for cis, denomination, form, routes, *_ in sorted(active):
        brand, strength = split_denomination(denomination, form)
        substances = (
            substances_by_cis.get(cis) or substances_by_brand.get(brand) or substances_named_in(brand, known_substances)
        )
        drugs.append(
            Drug(
                cis=cis,
                name=single_line(denomination),
                brand=single_line(brand),
                strength=single_line(strength or "/".join(dict.fromkeys(filter(None, substances.values())))),
                form=single_line(form),
                routes=single_line(routes.replace(";", ", ")),
                substances=single_line(" + ".join(substances)),
            )
        )
    return drugs


def split_denomination(denomination: str, form: str) -> tuple[str, str]:
    """Splits "DOLIPRANE 1000 mg, comprimé" into its brand and strength: ("DOLIPRANE", "1000 mg").

    The name ends at the first ", " (a decimal comma has no space after it), or where the form starts when no
    comma announces it ("BECLOSPIN 800 microgrammes/2ml suspension pour inhalation"); its strength starts at the
    first word beginning with a digit that is not part of the name (STRENGTH_START).
    """
    name = denomination.split(", ", 1)[0]
    form_start = re.search(rf"\s{re.escape(form.split(' ', 1)[0])}\b", name) if form else None
    if form_start:
        name = name[: form_start.start()]
    brand, *strength = STRENGTH_START.split(name, maxsplit=1)
    return brand, "".join(strength)


def link_groups(compositions: list[list[str]]) -> LinkGroups:
    """The composition rows of each substance of each speciality.

    A substance may come as an active substance (SA, the salt weighed in the factory: "PANTOPRAZOLE SODIQUE
    SESQUIHYDRATÉ") and as its therapeutic fraction (FT: "PANTOPRAZOLE"): they share a link number.
    """
    groups = defaultdict(list)
    for cis, form, _code, name, strength, _reference, nature, link, *_ in compositions:
        groups[cis, form, link].append((nature, name, strength))
    return groups


def patient_names(rows: list[tuple[str, str, str]]) -> list[tuple[str, str]]:
    """The name and strength of a substance: its therapeutic fraction's when it has one, since that is the name on
    the box and in patients' minds, and the one the denomination's strength refers to."""
    fractions = [row for row in rows if row[0] == THERAPEUTIC_FRACTION]
    return [(SUBSTANCE_SUFFIXES.sub("", name), strength) for _nature, name, strength in fractions or rows]


def patient_substances(groups: LinkGroups) -> dict[str, dict[str, str]]:
    """Each speciality's substances, patient name -> strength, in the order of the BDPM."""
    substances = defaultdict(dict)
    for (cis, _form, _link), rows in groups.items():
        for name, strength in patient_names(rows):
            substances[cis].setdefault(name, strength)
    return substances


def substance_names(groups: LinkGroups) -> dict[str, str]:
    """Every name the BDPM gives a substance, folded, with the patient name: "perindopril arginine" -> PÉRINDOPRIL."""
    names = {}
    for _key, rows in sorted(groups.items()):
        for patient, _strength in patient_names(rows):
            for _nature, name, _strength in rows:
                names.setdefault(fold(name), patient)
                names.setdefault(fold(patient), patient)
    return names


def brand_substances(brands: dict[str, str], substances_by_cis: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """The substances of each brand whose specialities all have the same ones, without their strengths.

    The composition file is an older extract than the specialities: a newer speciality of a known brand
    ("DOLIPRANE" in a new form) borrows its brand's substances, unless the brand's specialities disagree.
    """
    names_by_brand = defaultdict(set)
    for cis, brand in brands.items():
        if cis in substances_by_cis:
            names_by_brand[brand].add(tuple(substances_by_cis[cis]))
    return {brand: dict.fromkeys(names.pop(), "") for brand, names in names_by_brand.items() if len(names) == 1}


def substances_named_in(brand: str, known_substances: dict[str, str]) -> dict[str, str]:
    """Generics are named after their substances, then their laboratory: "PARACETAMOL/CODEINE TEVA" names
    PARACÉTAMOL and CODÉINE. Reads known substance names (folded) from the start of the brand, longest first.
    """
    words = fold(brand).split()
    substances = {}
    start = 0
    while start < len(words):
        for end in range(len(words), start, -1):
            name = known_substances.get(" ".join(words[start:end]))
            if name:
                substances[name] = ""
                start = end
                break
        else:
            break
    return substances


def single_line(value: str) -> str:
    """A field of the lexicon: no tab or line break can end up inside it."""
    return " ".join(value.split())


def lexicon_bytes(drugs: list[Drug]) -> bytes:
    return gzipped_tsv(COLUMNS, [[getattr(drug, column) for column in COLUMNS] for drug in drugs])


def tsv_text(columns: tuple[str, ...], rows: list[list[str]]) -> str:
    return "\n".join(["\t".join(columns), *("\t".join(row) for row in rows)]) + "\n"


def gzipped_tsv(columns: tuple[str, ...], rows: list[list[str]]) -> bytes:
    """The gzipped TSV, identical for identical rows: no timestamp or file name in the gzip header."""
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as file:
        file.write(tsv_text(columns, rows).encode())
    return buffer.getvalue()


# Safety data ------------------------------------------------------------------------------------------------------


def per_millilitres(reference: str) -> str | None:
    """What a composition's strength is per: "" for one counted unit ("un comprimé", "un sachet-dose de 5 g"),
    the number of ml for a volume ("5 ml", "100 ml de sirop"), None for anything a dose cannot be counted in
    ("un flacon", "100 g de crème")."""
    words = fold(reference).split()
    if len(words) >= 2 and words[0] in ("un", "une") and words[1] in COUNTED_UNITS:
        return ""
    volume = millilitres(reference)
    return decimal_text(volume) if volume else None


def decimal_text(value) -> str:
    return format(value.normalize(), "f")


def composition_strengths(compositions: list[list[str]]) -> dict[str, list[list[str]]]:
    """Per CIS, [substance, mg, per ml] for each substance whose strength is a mass per countable unit or per ml.

    The substance is the therapeutic fraction when the link has one (as the lexicon names it), with its strength,
    or the salt's strength when the fraction has none.
    """
    groups = defaultdict(list)
    for cis, form, _code, name, strength, reference, nature, link, *_ in compositions:
        groups[cis, form, link].append((nature, name, strength, reference))
    strengths = defaultdict(dict)
    for (cis, _form, _link), rows in sorted(groups.items()):
        fractions = [row for row in rows if row[0] == THERAPEUTIC_FRACTION]
        _nature, name, strength, reference = (fractions or rows)[0]
        if not strength:
            strength, reference = next(((row[2], row[3]) for row in rows if row[2]), ("", ""))
        amount = milligrams(strength)
        per = per_millilitres(reference)
        name = SUBSTANCE_SUFFIXES.sub("", name)
        if amount is None or per is None or substance_key(name) in strengths[cis]:
            continue
        strengths[cis][substance_key(name)] = [single_line(name), decimal_text(amount), per]
    return {cis: list(by_key.values()) for cis, by_key in strengths.items() if by_key}


def build_strengths(specialities: list[list[str]], compositions: list[list[str]]) -> list[list[str]]:
    """The strength rows of every active speciality. One missing from the (older) composition file borrows those of
    a speciality of the same brand and strength ("IXPRIM 37,5 mg/325 mg" in a new form)."""
    by_cis = composition_strengths(compositions)
    active = sorted(row for row in specialities if row[4] == ACTIVE_AUTHORISATION)
    by_name = {}
    for cis, denomination, form, *_ in active:
        if cis in by_cis:
            by_name.setdefault(split_denomination(denomination, form), by_cis[cis])
    rows = []
    for cis, denomination, form, *_ in active:
        strengths = by_cis.get(cis) or by_name.get(split_denomination(denomination, form), [])
        rows.extend([cis, *strength] for strength in strengths)
    return rows


def build_class_members(compositions: list[list[str]]) -> list[list[str]]:
    """[class, substance key, a BDPM name of it] for every substance of the BDPM a class definition matches."""
    names = {}
    for row in compositions:
        name = SUBSTANCE_SUFFIXES.sub("", row[3])
        names.setdefault(substance_key(name), single_line(name))
    return [
        [class_name, key, names[key]]
        for class_name, definition in DEFINITIONS.items()
        for key in sorted(names)
        if definition.matches(key)
    ]
