"""Derives the drug lexicon the project ships (treatments/data/drug_lexicon.tsv.gz) from the public drug database.

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

SPECIALITIES_FILE = "CIS_bdpm.txt"
COMPOSITIONS_FILE = "CIS_COMPO_bdpm.txt"
SPECIALITY_COLUMNS = 12
COMPOSITION_COLUMNS = 9
ACTIVE_AUTHORISATION = "Autorisation active"
THERAPEUTIC_FRACTION = "FT"
# Words the BDPM adds to a substance's name that tell a patient nothing: "AMOXICILLINE BASE" is their amoxicillin.
SUBSTANCE_SUFFIXES = re.compile(r"\s+(BASE|ANHYDRE|ÉLÉMENT|POUR PRÉPARATIONS HOMÉOPATHIQUES)$")
# The strength starts at the first word of the name that begins with a digit: "DOLIPRANE 1000 mg".
STRENGTH_START = re.compile(r"\s+(?=\d)")
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

    def handle(self, *args, source: Path, output: Path, **options):
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
    first word beginning with a digit.
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
    """The gzipped TSV, identical for identical drugs: no timestamp or file name in the gzip header."""
    lines = ["\t".join(COLUMNS), *("\t".join(getattr(drug, column) for column in COLUMNS) for drug in drugs)]
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as file:
        file.write(("\n".join(lines) + "\n").encode())
    return buffer.getvalue()
