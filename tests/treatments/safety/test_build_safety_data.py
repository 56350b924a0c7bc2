"""build_drug_lexicon on a small BDPM extract written by the test: the strengths and class members it derives."""

import gzip

from django.core.management import call_command

SPECIALITIES = [
    ["60234100", "DOLIPRANE 1000 mg, comprimé", "comprimé", "orale", "Autorisation active"],
    [
        "60365078",
        "IXPRIM 37,5 mg/325 mg, comprimé effervescent",
        "comprimé effervescent(e)",
        "orale",
        "Autorisation active",
    ],
    ["60392513", "IXPRIM 37,5 mg/325 mg, comprimé pelliculé", "comprimé pelliculé", "orale", "Autorisation active"],
    [
        "61155773",
        "CLAMOXYL 125 mg/5 ml, poudre pour suspension buvable",
        "poudre pour suspension buvable",
        "orale",
        "Autorisation active",
    ],
    [
        "63179285",
        "STILNOX 10 mg, comprimé pelliculé sécable",
        "comprimé pelliculé sécable",
        "orale",
        "Autorisation active",
    ],
    [
        "64755969",
        "KARDEGIC 75 mg, poudre pour solution buvable en sachet-dose",
        "poudre pour solution buvable",
        "orale",
        "Autorisation active",
    ],
    ["69999999", "VASELINE GOMENOLEE, pommade", "pommade", "nasale", "Autorisation active"],
    ["60000001", "OLD DRUG 5 mg, comprimé", "comprimé", "orale", "Autorisation retirée"],
]
COMPOSITIONS = [
    ["60234100", "comprimé", "02202", "PARACÉTAMOL", "1000 mg", "un comprimé", "SA", "1"],
    ["60365078", "comprimé", "02202", "PARACÉTAMOL", "325 mg", "un comprimé", "SA", "2"],
    ["60365078", "comprimé", "86571", "CHLORHYDRATE DE TRAMADOL", "37,5 mg", "un comprimé", "SA", "1"],
    [
        "61155773",
        "poudre",
        "00001",
        "AMOXICILLINE TRIHYDRATÉE",
        "143,5 mg",
        "5 ml de suspension reconstituée",
        "SA",
        "1",
    ],
    ["61155773", "poudre", "00002", "AMOXICILLINE", "125 mg", "5 ml de suspension reconstituée", "FT", "1"],
    ["63179285", "comprimé", "25975", "TARTRATE DE ZOLPIDEM", "10 mg", "un comprimé", "SA", "1"],
    ["64755969", "poudre", "00005", "ACIDE ACÉTYLSALICYLIQUE", "75 mg", "un sachet-dose de 153,45 mg", "FT", "1"],
    [
        "64755969",
        "poudre",
        "03107",
        "DL-LYSINE (ACÉTYLSALICYLATE DE)",
        "135 mg",
        "un sachet-dose de 153,45 mg",
        "SA",
        "1",
    ],
    ["69999999", "pommade", "00003", "GOMENOL", "2 g", "100 g de pommade", "SA", "1"],
]


def write_extract(folder):
    specialities = ["\t".join([*row, "", "", "", "", "", "", ""][:12]) for row in SPECIALITIES]
    compositions = ["\t".join([*row, ""]) for row in COMPOSITIONS]
    (folder / "CIS_bdpm.txt").write_text("\n".join(specialities) + "\n", encoding="utf-8")
    (folder / "CIS_COMPO_bdpm.txt").write_text("\n".join(compositions) + "\n", encoding="utf-8")


def build(tmp_path):
    source = tmp_path / "bdpm"
    source.mkdir()
    write_extract(source)
    call_command(
        "build_drug_lexicon",
        source=source,
        output=tmp_path / "lexicon.tsv.gz",
        safety_output=tmp_path / "safety.tsv.gz",
        classes_output=tmp_path / "classes.tsv",
        stdout=open("/dev/null", "w"),  # noqa: SIM115 - the command's summary is not what is tested
    )
    with gzip.open(tmp_path / "safety.tsv.gz", "rt", encoding="utf-8") as file:
        strengths = [line.split("\t") for line in file.read().splitlines()]
    classes = [line.split("\t") for line in (tmp_path / "classes.tsv").read_text(encoding="utf-8").splitlines()]
    return strengths, classes


def test_it_writes_each_substance_s_strength_per_unit_or_per_ml(tmp_path):
    strengths, _classes = build(tmp_path)

    assert strengths == [
        ["cis", "substance", "milligrams", "per_millilitres"],
        ["60234100", "PARACÉTAMOL", "1000", ""],
        ["60365078", "CHLORHYDRATE DE TRAMADOL", "37.5", ""],
        ["60365078", "PARACÉTAMOL", "325", ""],
        # The composition file does not know this one: it borrows its brand and strength's sibling's.
        ["60392513", "CHLORHYDRATE DE TRAMADOL", "37.5", ""],
        ["60392513", "PARACÉTAMOL", "325", ""],
        # The therapeutic fraction, per 5 ml.
        ["61155773", "AMOXICILLINE", "125", "5"],
        ["63179285", "TARTRATE DE ZOLPIDEM", "10", ""],
        ["64755969", "ACIDE ACÉTYLSALICYLIQUE", "75", ""],
        # GOMENOL per 100 g of ointment counts in no dose: left out. So is the withdrawn speciality.
    ]


def test_it_writes_the_members_each_class_definition_matches_in_the_bdpm(tmp_path):
    _strengths, classes = build(tmp_path)

    assert classes[0] == ["class", "substance", "bdpm_name"]
    assert ["penicillins", "AMOXICILLINE", "AMOXICILLINE TRIHYDRATÉE"] in classes or [
        "penicillins",
        "AMOXICILLINE",
        "AMOXICILLINE",
    ] in classes
    assert ["opioids", "TRAMADOL", "CHLORHYDRATE DE TRAMADOL"] in classes
    assert ["nsaids", "ACIDE ACETYLSALICYLIQUE", "ACIDE ACÉTYLSALICYLIQUE"] in classes
    assert not [row for row in classes if row[1] in ("PARACETAMOL", "ZOLPIDEM", "GOMENOL")]
