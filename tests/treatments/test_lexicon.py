"""The drug lexicon: built from the BDPM by a command, committed, searched and matched against prescription lines."""

import gzip
import io
import lzma

import pytest
from django.core.management import CommandError, call_command

from tests.files import TEST_DATA
from treatments import lexicon
from treatments.lexicon import COLUMNS, LEXICON_PATH, best_match, fold, get, mended, search

# The whole BDPM, xz-compressed (half a megabyte): the committed lexicon must be a build of exactly these files.
BDPM = TEST_DATA / "bdpm"


def build(output, **options):
    # The safety tables the command also writes go beside the lexicon, never over the committed ones.
    call_command(
        "build_drug_lexicon",
        output=output,
        safety_output=output.with_name("drug_safety.tsv.gz"),
        classes_output=output.with_name("drug_classes.tsv"),
        stdout=io.StringIO(),
        **options,
    )
    return output.read_bytes()


def test_the_committed_safety_tables_are_a_build_of_the_bdpm(fresh_build_folder):
    """The strengths and class members the safety checks read are exactly what the command derives from the
    BDPM the lexicon is built from (a test once wrote its own small build over them)."""
    data = LEXICON_PATH.parent
    for name in ("drug_safety.tsv.gz", "drug_classes.tsv"):
        assert (fresh_build_folder / name).read_bytes() == (data / name).read_bytes(), f"stale {name}"


def rows(content: bytes) -> list[dict[str, str]]:
    header, *lines = gzip.decompress(content).decode().splitlines()
    return [dict(zip(header.split("\t"), line.split("\t"), strict=True)) for line in lines]


@pytest.fixture(scope="module")
def bdpm(tmp_path_factory):
    """The BDPM files as ANSM publishes them, unpacked from tests/data/bdpm."""
    folder = tmp_path_factory.mktemp("bdpm")
    for packed in BDPM.glob("*.txt.xz"):
        (folder / packed.stem).write_bytes(lzma.decompress(packed.read_bytes()))
    return folder


@pytest.fixture(scope="module")
def fresh_build_folder(tmp_path_factory, bdpm):
    folder = tmp_path_factory.mktemp("lexicon")
    build(folder / "drug_lexicon.tsv.gz", source=bdpm)
    return folder


@pytest.fixture(scope="module")
def fresh_build(fresh_build_folder):
    return (fresh_build_folder / "drug_lexicon.tsv.gz").read_bytes()


# The command ------------------------------------------------------------------------------------------------------


def test_it_builds_the_same_bytes_twice(fresh_build, bdpm, tmp_path):
    assert build(tmp_path / "again.tsv.gz", source=bdpm) == fresh_build


def test_the_committed_lexicon_is_a_fresh_build_of_the_bdpm(fresh_build):
    assert LEXICON_PATH.read_bytes() == fresh_build, "stale lexicon: run manage.py build_drug_lexicon"


def test_it_stays_small_and_keeps_every_active_speciality(fresh_build):
    assert len(fresh_build) < 1_000_000
    drugs = rows(fresh_build)
    assert len(drugs) > 14_000
    assert [drug["cis"] for drug in drugs] == sorted(drug["cis"] for drug in drugs)


def test_it_splits_the_denomination_and_names_substances_as_patients_know_them(fresh_build):
    drugs = {drug["cis"]: drug for drug in rows(fresh_build)}
    assert drugs["60234100"] == {
        "cis": "60234100",
        "name": "DOLIPRANE 1000 mg, comprimé",
        "brand": "DOLIPRANE",
        "strength": "1000 mg",
        "form": "comprimé",
        "routes": "orale",
        "substances": "PARACÉTAMOL",
    }
    # The therapeutic fraction, not the salt: "AMOXICILLINE TRIHYDRATÉE" is what the factory weighs.
    assert drugs["64882258"]["substances"] == "AMOXICILLINE"
    # A number followed by capitals and then the strength is the name's; the composition file lacks this generic, whose
    # name then says what it contains.
    macrogol = drugs["69415237"]  # MACROGOL 4000 EG 4 g, poudre pour solution buvable en sachet
    assert (macrogol["brand"], macrogol["strength"], macrogol["substances"]) == (
        "MACROGOL 4000 EG",
        "4 g",
        "MACROGOL 4000",
    )
    assert (drugs["61693569"]["brand"], drugs["61693569"]["strength"]) == ("NOVOMIX 30 FLEXPEN", "100 Unités/ml")
    # Capitals after a unit belong to the strength.
    assert (drugs["67853742"]["brand"], drugs["67853742"]["strength"]) == ("EQWILATE", "1000 UI FVW / 1000 UI FVIII")
    assert drugs["64753847"]["strength"] == "40 mg/mL ADRENALINE 1/100 000"


def test_it_says_which_folder_or_file_is_missing(tmp_path):
    with pytest.raises(CommandError, match="nowhere is not a folder"):
        build(tmp_path / "lexicon.tsv.gz", source=tmp_path / "nowhere")
    with pytest.raises(CommandError, match=r"CIS_bdpm\.txt is missing"):
        build(tmp_path / "lexicon.tsv.gz", source=tmp_path)


SPECIALITIES = [
    ("60000001", "DOLIPRANE 1000 mg, comprimé", "comprimé", "orale", "Autorisation active"),
    ("60000002", "DOLIPRANE 500 mg, gélule", "gélule", "orale", "Autorisation active"),
    ("60000003", "ANCIEN 5 mg, comprimé", "comprimé", "orale", "Autorisation abrogée"),
    ("60000004", "PANTOPRAZOLE TEVA 20 mg, comprimé gastro-résistant", "comprimé", "orale", "Autorisation active"),
    ("60000005", "PANTOPRAZOLE/PARACETAMOL ARROW 20 mg/1 g, comprimé", "comprimé", "orale", "Autorisation active"),
    ("60000006", "CELSIOR, solution pour conservation d’organes", "solution", "orale;cutanée", "Autorisation active"),
]
COMPOSITIONS = [
    ("60000001", "comprimé", "02202", "PARACÉTAMOL", "1000 mg", "un comprimé", "SA", "1"),
    ("60000004", "comprimé", "11111", "PANTOPRAZOLE SODIQUE SESQUIHYDRATÉ", "22,6 mg", "un comprimé", "SA", "1"),
    ("60000004", "comprimé", "22222", "PANTOPRAZOLE BASE", "20 mg", "un comprimé", "FT", "1"),
]


def test_it_reads_windows_1252_files_and_fills_in_what_the_composition_file_lacks(tmp_path):
    # Older BDPM extracts are Windows-1252, with CRLF line ends and padded fields.
    padding = ["Procédure nationale", "Commercialisée", "01/01/2000", "", "", " LAB", "Non"]
    specialities = ["\t".join([*row, *padding]) for row in SPECIALITIES]
    compositions = ["\t".join(row) + "\t" for row in COMPOSITIONS]
    (tmp_path / "CIS_bdpm.txt").write_bytes("\r\n".join(specialities).encode("cp1252"))
    (tmp_path / "CIS_COMPO_bdpm.txt").write_bytes("\r\n".join(compositions).encode("cp1252"))

    drugs = {drug["cis"]: drug for drug in rows(build(tmp_path / "lexicon.tsv.gz", source=tmp_path))}

    assert list(drugs) == ["60000001", "60000002", "60000004", "60000005", "60000006"]
    assert drugs["60000001"]["substances"] == "PARACÉTAMOL"
    # Not in the composition file: the brand's other speciality says what it contains.
    assert drugs["60000002"]["substances"] == "PARACÉTAMOL"
    assert drugs["60000004"]["substances"] == "PANTOPRAZOLE"
    # Not in it either, and a new brand: a generic's name spells out its substances.
    assert drugs["60000005"]["substances"] == "PANTOPRAZOLE + PARACÉTAMOL"
    assert drugs["60000006"]["name"] == "CELSIOR, solution pour conservation d’organes"
    assert drugs["60000006"]["strength"] == ""
    assert drugs["60000006"]["routes"] == "orale, cutanée"


# Reading the committed lexicon ------------------------------------------------------------------------------------


def test_fold_ignores_accents_case_and_how_units_are_spaced():
    assert fold("Paracétamol  1000mg") == "paracetamol 1000 mg"
    assert fold("DOLIPRANE 2,4 POUR CENT, suspension") == "doliprane 2.4 pour cent suspension"
    assert fold("Œstrogène 5 µg/dose") == "oestrogene 5 ug dose"


def test_the_lexicon_file_has_the_columns_of_drug():
    with gzip.open(LEXICON_PATH, "rt", encoding="utf-8") as file:
        assert tuple(file.readline().rstrip("\n").split("\t")) == COLUMNS


def test_get_finds_a_drug_by_its_cis_code():
    assert get("60234100").name == "DOLIPRANE 1000 mg, comprimé"
    assert get("00000000") is None


def names(drugs):
    return [drug.name for drug in drugs]


def test_search_finds_a_brand():
    assert "DOLIPRANE 1000 mg, comprimé" in names(search("doliprane"))


def test_search_finds_drugs_by_their_substance_without_its_accent():
    results = search("paracetamol")
    assert results
    assert all("PARACÉTAMOL" in drug.substances for drug in results)
    assert all("PARACÉTAMOL" in drug.substances for drug in search("dolip", limit=50))


def test_search_puts_the_strength_asked_for_first():
    first = search("AMOXICILLINE 1 g")[0]
    assert first.substances == "AMOXICILLINE"
    assert first.strength == "1 g"


def test_search_matches_the_start_of_each_word():
    results = search("dolip 1000")
    assert results
    assert all(drug.brand.startswith("DOLIPRANE") and "1000" in drug.strength for drug in results)
    assert "DOLIPRANE 1000 mg, comprimé" in names(results)


def test_search_puts_brands_before_drugs_that_only_contain_the_substance():
    results = search("paracet", limit=30)
    brand_matches = [fold(drug.brand).startswith("paracet") for drug in results]
    assert brand_matches == sorted(brand_matches, reverse=True)
    assert brand_matches[0]


def test_search_ignores_accents_and_case():
    assert names(search("DoLiPrÂnE 1000")) == names(search("doliprane 1000"))
    assert names(search("PARACÉTAMOL")) == names(search("paracetamol"))


def test_search_waits_for_two_characters_and_limits_its_results():
    assert search("") == []
    assert search("d") == []
    assert search(" é ") == []
    assert len(search("do")) == 10
    assert len(search("paracetamol", limit=3)) == 3


def test_search_finds_nothing_for_an_unknown_word():
    assert search("doliprane zzzz") == []


def test_best_match_reads_through_an_ocr_slip():
    drug, confidence = best_match("Doliprame 1000mg")
    assert drug.brand == "DOLIPRANE"
    assert drug.strength == "1000 mg"
    assert confidence >= 0.8


def test_best_match_reads_through_a_misread_first_letter_of_a_long_name():
    drug, confidence = best_match("Pluoxetine 20 mg gélule")
    assert drug.substances == "FLUOXÉTINE"
    assert confidence >= 0.85


@pytest.mark.parametrize(
    "line, brand, strength",
    [
        ("T0BREX 0,3 % collyre", "TOBREX", "0,3 %"),
        ("20LPIDEM 10 mg", "ZOLPIDEM", "10 mg"),
        # The stop after the name is not part of it: the "1" before it is an "l".
        ("BISOPROLO1. 10 mg comprimé", "BISOPROLOL", "10 mg"),
        # A name glued to its maker misread, and to its strength and form misread too.
        ("ALLOPURINOLCRUSTERS 100 mg cp", "ALLOPURINOL CRISTERS", "100 mg"),
        ("METOCLOPRAMIDEVIATRIS10mgcomprume", "METOCLOPRAMIDE VIATRIS", "10 mg"),
        # A name a space cut in two.
        ("PREGABAL INE ZENTIVA 100 mg. gélule", "PREGABALINE ZENTIVA", "100 mg"),
        # The name's last letters read as digits and glued to its strength.
        ("DOXYL15100 mg comprimé", "DOXYLIS", "100 mg"),
        ("KARDEGIC160 mg poudre", "KARDEGIC", "160 mg"),
    ],
)
def test_best_match_reads_through_ocrs_slips_in_a_name(line, brand, strength):
    drug, _confidence = best_match(line)
    assert drug.brand.startswith(brand)
    assert drug.strength == strength


@pytest.mark.parametrize(
    "line, name",
    [
        # Letters for the digits of the strength, a misread "mg".
        ("FUROSEMIDE ZENTIVA S00 mg. compnmé", "FUROSEMIDE ZENTIVA 500 mg, comprimé sécable"),
        ("DOxYLS L00 my cgmpriné", "DOXYLIS 100 mg, comprimé sécable"),
        # A strength of one digit read as a letter, against its unit.
        ("Prednisoione Smg comprimé", "PREDNISOLONE TEVA 5 mg, comprimé effervescent"),
        # A word a speck cut in two.
        ("ALKA SEL.TZER 324 mg. comprimé eflecvescent", "ALKA SELTZER 324 mg, comprimé effervescent"),
        # The generic of the maker the line writes: its short name, which the name's matching leaves out,
        ("PANTOPRAZOLE ZF 20 mg comprimé", "PANTOPRAZOLE ZF 20 mg, comprimé gastro-résistant"),
        # ... its first letter misread, which the name's matching does not forgive...
        ("AZITHROMVCINE RRKA 250 mg comprimé", "AZITHROMYCINE KRKA 250 mg, comprimé pelliculé"),
        # ... or read as the digit it looks like, the rest garbled too...
        ("Omerasole 2euva Lob 20 mg galole", "OMEPRAZOLE ZENTIVA LAB 20 mg, gélule gastro-résistante"),
        # ... or glued to the name.
        ("PANTOPRAZOLEZF 20 mg comprimé", "PANTOPRAZOLE ZF 20 mg, comprimé gastro-résistant"),
        # A name glued to its strength: the maker's generic, not another's with the digits taken for letters.
        ("DOMPERIDONE ARROW10 mg comprimé pelliculé", "DOMPERIDONE ARROW 10 mg, comprimé pelliculé"),
        ("ZOLTUM10 mg, gélule", "ZOLTUM 10 mg, gélule gastro-résistante"),
        ("TOBREX0,3% collyre", "TOBREX 0,3 %, collyre en solution"),
        # A generic's maker glued to the substance's name, of one word or two.
        ("MIRTAZAPINEZENTIVA15 mg.comprime pelliculé", "MIRTAZAPINE ZENTIVA 15 mg, comprimé pelliculé"),
        ("NAPROXENESODIQUEARROW 550 mg comprimé", "NAPROXENE SODIQUE ARROW 550 mg, comprimé pelliculé sécable"),
        # Greek letters for the Latin ones they look like.
        ("TRAMADΩL KRKA LP 150 mg", "TRAMADOL KRKA LP 150 mg, comprimé à libération prolongée"),
        # Two words of a brand glued together.
        ("ALAIRGIXALLERGIE CETIRIZINE 10 mg comprimé", "ALAIRGIX ALLERGIE CETIRIZINE 10 mg, comprimé à sucer sécable"),
        # Every space lost: the maker, the strength and the form glued together.
        ("DOMPERIDONEARROW10mgcomprime", "DOMPERIDONE ARROW 10 mg, comprimé pelliculé"),
        # ... or the strength and the next word; a powder named by its sachet.
        ("AMLODIPINE ARROW5mgPosologie", "AMLODIPINE ARROW 5 mg, gélule"),
        ("PARACETAMOL ARROW1000mgsachets", "PARACETAMOL ARROW 1000 mg, poudre pour solution buvable en sachet-dose"),
        # A brand's short word ("LP") when its form is misread past knowing.
        ("CONTRAMAL. LP 100 mg. comprumé à hiberation", "CONTRAMAL LP 100 mg, comprimé à libération prolongée"),
    ],
)
def test_best_match_reads_the_speciality_printed_through_ocr_slips(line, name):
    drug, _confidence = best_match(line)
    assert drug.name == name


def test_a_substance_garbled_past_knowing_is_known_by_its_strength_when_only_it_comes_in_that_one():
    drug, confidence = lexicon.garbled_substance("Esctatnpram 20 mg")
    assert drug.substances == "ESCITALOPRAM" and drug.strength == "20 mg"
    assert confidence < lexicon.MIN_WORD_SIMILARITY
    # "SAÑTHBOMCINE" is about as like vancomycine as azithromycine, and both come in 250 mg: neither is guessed...
    assert lexicon.garbled_substance("SAÑTHBOMCINE 250 mg comprimé") is None
    # ... unless the line writes a maker only one of them has a generic of, even misread ("RRKA").
    drug, _confidence = lexicon.garbled_substance("SAÑTHBOMCINE RRKA 25O mg comprimé")
    assert drug.name == "AZITHROMYCINE KRKA 250 mg, comprimé pelliculé"
    # Garbled further still, its maker written.
    drug, _confidence = lexicon.garbled_substance("GhiclandeEG Labo Laboratotres Eurogenerics30 mg comprimé")
    assert drug.substances == "GLICLAZIDE" and drug.strength == "30 mg"
    # ... or with letters lost.
    drug, _confidence = lexicon.garbled_substance("GABAFENE EG tABO 600 img, compnime pelculé")
    assert drug.name == "GABAPENTINE EG LABO 600 mg, comprimé pelliculé"
    # A shorter word only among the generics of the maker written after it.
    drug, _confidence = lexicon.garbled_substance("RMPRI ZYDUS FRANCE 5 mg comprimé")
    assert drug.name == "RAMIPRIL ZYDUS FRANCE 5 mg, comprimé sécable"
    assert lexicon.garbled_substance("RMPRI 5 mg comprimé") is None
    # A maker written but garbled too: which generic is not guessed.
    assert lexicon.garbled_substance("TRAtatOL ViA L 15O ma coroptié a libération prolongée") is None
    # A substance's name read right is not another's garbled, even where it does not come in the strength read.
    assert lexicon.garbled_substance("Lamotrigine 300 mg") is None
    # Without a strength, or with one the substance does not come in, nothing is guessed.
    assert lexicon.garbled_substance("Esctatnpram") is None
    assert lexicon.garbled_substance("Esctatnpram 419 mg") is None


def test_the_number_of_a_substances_name_glued_to_the_strength_is_read_apart():
    drug, confidence = best_match("Macrogol 400010 g poudre")
    assert (drug, confidence) == best_match("Macrogol 4000 10 g poudre")
    assert drug.name.startswith("MACROGOL 4000") and drug.strength.endswith("10 g") and confidence == 1
    # A strength in the hundreds of thousands is no substance's number glued to another.
    assert mended("UVEDOSE 100000 UI") == "UVEDOSE 100000 UI"


def test_a_stray_number_is_not_the_strength_of_another_speciality():
    # "10) mg" misread, and the "2" of the next line's dose wrapped onto this one: not "100 mg/2 ml" injectable.
    drug, confidence = best_match("KETOPROFENE TEVA LP 10) mg. commprime sécable àlbération prolongée • 2")
    assert drug.name == "KETOPROFENE TEVA LP 100 mg, comprimé sécable à libération prolongée"
    assert confidence < 1


def test_a_number_with_look_alike_letters_glued_to_its_unit_is_mended():
    assert mended("Azithromycine 25Omig, 1 cp") == "Azithromycine 250mg, 1 cp"
    assert mended("Lasilix 4Omg") == "Lasilix 40mg"
    assert mended("Furosémide40ma") == "Furosémide 40mg"
    # Without a digit, letters are a word's.
    assert mended("ZOmg") == "ZOmg"
    # "mg" read "ng" too: a name garbled past matching is then known by its strength.
    assert mended("Plrindopie L0 ng comacime") == "Plrindopie 10 mg comacime"
    drug, _confidence = lexicon.garbled_substance("Plrindopie L0 ng comacime")
    assert drug.substances == "PÉRINDOPRIL" and drug.strength == "10 mg"


def test_a_small_l_among_capitals_is_a_capital_i_where_that_makes_a_drugs_word():
    # LASILIX FAIBLE comes in 20 mg tablets; LASILIX alone in 20 mg/2 ml injections only.
    assert mended("LASILIX FAlBLE 20 mg cp") == "LASILIX FAIBLE 20 mg cp"
    drug, _confidence = best_match(mended("LASILIX FAlBLE 20 mg cp"))
    assert drug.brand == "LASILIX FAIBLE" and drug.strength == "20 mg"
    # An l that makes a drug's word already (a capital L read small), or whose I makes none, stays.
    assert mended("PARACETAMOl 500 mg") == "PARACETAMOl 500 mg"
    assert mended("RENDEZ-VOUS AlLEURS") == "RENDEZ-VOUS AlLEURS"


@pytest.mark.parametrize(
    "line", ["Vitamine B12 1000 µg", "DOLIPRANE 1000mg", "Prednisolone 5mg", "Eau 1L", "Cétirizine 10 mg"]
)
def test_mending_leaves_what_ocr_read_right_as_it_is(line):
    assert mended(line) == line


def test_best_match_prefers_the_strength_and_form_the_line_gives():
    drug, confidence = best_match("DOLIPRANE 1000mg cp")
    assert drug.name == "DOLIPRANE 1000 mg, comprimé"
    assert confidence == 1


def test_best_match_recognises_a_substance():
    drug, confidence = best_match("Amoxicilline 1g cp")
    assert drug.substances == "AMOXICILLINE"
    assert drug.strength == "1 g"
    assert "comprimé" in drug.form
    assert confidence >= 0.8


def test_best_match_prefers_the_brand_that_has_every_word_of_the_line():
    drug, _confidence = best_match("Spasfon lyoc")
    assert drug.brand == "SPASFON LYOC"


def test_best_match_is_less_sure_when_the_strength_is_not_the_drugs():
    _drug, sure = best_match("Doliprane 1000 mg")
    _drug, unsure = best_match("Doliprane 999 mg")
    assert unsure < sure


@pytest.mark.parametrize(
    "line", ["Bonjour madame", "1 cp matin et soir pendant 5 jours", "Dr Martin, médecin généraliste", "", "12/03"]
)
def test_best_match_finds_no_drug_in_other_lines(line):
    match = best_match(line)
    assert match is None or match[1] < 0.5
