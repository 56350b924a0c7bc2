"""Classes of drugs, as lists of molecules: the classes an allergy can name (treatments.models.DrugClass) and the
groups the interaction table speaks of ("AINS", "antivitamines K").

The BDPM files have no ATC column (CIS_bdpm.txt and CIS_COMPO_bdpm.txt give names, strengths and forms only), so
a class is defined here by the INNs of its WHO ATC group, and by the INN stem its members share where the WHO
names them by one (-cilline, -floxacine, cef-). `build_drug_lexicon` matches these definitions against every
substance name of the BDPM and writes what matched to treatments/data/drug_classes.tsv, which the engine reads and
a reviewer can read. A name the BDPM does not know (typed by hand) is matched against the definitions directly.
"""

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from treatments.models import DrugClass

from .substances import substance_key

CLASSES_PATH = Path(__file__).resolve().parent.parent / "data" / "drug_classes.tsv"
CLASSES_COLUMNS = ("class", "substance", "bdpm_name")


@dataclass(frozen=True)
class ClassDefinition:
    name: str
    molecules: frozenset[str]  # substance keys ("AMOXICILLINE")
    stems: tuple[str, ...] = ()  # regular expressions one word of the folded key must match
    excluded: frozenset[str] = frozenset()
    source: str = ""  # where the list comes from, shown to professionals

    def matches(self, key: str) -> bool:
        if key in self.excluded:
            return False
        if key in self.molecules:
            return True
        words = key.lower().split()
        return any(re.search(stem, word) for stem in self.stems for word in words)


def _define(
    name: str, molecules: str, stems: tuple[str, ...] = (), excluded: str = "", source: str = ""
) -> ClassDefinition:
    return ClassDefinition(
        name=name,
        source=source,
        molecules=frozenset(substance_key(molecule) for molecule in molecules.split(",") if molecule.strip()),
        stems=stems,
        excluded=frozenset(substance_key(molecule) for molecule in excluded.split(",") if molecule.strip()),
    )


# Classes an allergy names ------------------------------------------------------------------------------------------

ALLERGY_CLASSES = {
    # WHO ATC J01C "Beta-lactam antibacterials, penicillins" (J01CA, J01CE, J01CF, J01CR): the WHO INN stem
    # "-cillin" (French "-cilline"), plus the penicillins whose INN does not carry it.
    DrugClass.PENICILLINS: _define(
        DrugClass.PENICILLINS,
        "benzylpénicilline, phénoxyméthylpénicilline, pivmécillinam, mécillinam, témocilline",
        stems=(r"cilline$", r"penicilline$"),
        source="OMS, classification ATC J01C (pénicillines) ; DCI en -cilline",
    ),
    # WHO ATC J01DB to J01DI "Cephalosporins" (first to fifth generation): the WHO INN stem "cef-" (French "céf-").
    DrugClass.CEPHALOSPORINS: _define(
        DrugClass.CEPHALOSPORINS,
        "céfalexine, céfadroxil, céfaclor",
        stems=(r"^cef",),
        source="OMS, classification ATC J01DB à J01DI (céphalosporines) ; DCI en céf-",
    ),
    # WHO ATC J01DH "Carbapenems": the WHO INN stem "-penem" (French "-pénème").
    DrugClass.CARBAPENEMS: _define(
        DrugClass.CARBAPENEMS,
        "imipénème, méropénème, ertapénème, doripénème",
        stems=(r"penem",),
        source="OMS, classification ATC J01DH (carbapénèmes) ; DCI en -pénème",
    ),
    # WHO ATC J01E "Sulfonamides and trimethoprim" (sulfonamide members only: trimethoprim is not a sulfonamide),
    # D06BA "Sulfonamides" (sulfadiazine argentique) and A07EC01 sulfasalazine (releases sulfapyridine).
    DrugClass.SULFONAMIDES: _define(
        DrugClass.SULFONAMIDES,
        "sulfaméthoxazole, sulfadiazine, sulfadiazine argentique, sulfafurazole, sulfaméthizol, sulfadoxine, "
        "sulfaguanidine, sulfasalazine, sulfapyridine",
        source="OMS, classification ATC J01E (sulfamides), D06BA, A07EC01 (sulfasalazine)",
    ),
    # WHO ATC M01A "Anti-inflammatory and antirheumatic products, non-steroids" (stems -profène, -fénac, -oxicam,
    # -coxib), M02AA and S01BC (the same molecules for skin and eye), and N02BA "Salicylic acid and derivatives"
    # (aspirin: cross-reactive in NSAID hypersensitivity).
    DrugClass.NSAIDS: _define(
        DrugClass.NSAIDS,
        "acide acétylsalicylique, acétylsalicylate de lysine, carbasalate calcique, salicylate de sodium, "
        "acide tiaprofénique, acide niflumique, acide méfénamique, morniflumate, indométacine, sulindac, étodolac, "
        "nabumétone, kétorolac, nimésulide, phénylbutazone, naproxène",
        stems=(r"profene$", r"fenac$", r"oxicam$", r"coxib$"),
        source="OMS, classification ATC M01A (AINS), M02AA, S01BC et N02BA (acide acétylsalicylique)",
    ),
    # WHO ATC J01FA "Macrolides" (the WHO INN stem "-mycin" is shared with other classes: the members are listed).
    DrugClass.MACROLIDES: _define(
        DrugClass.MACROLIDES,
        "érythromycine, clarithromycine, azithromycine, roxithromycine, josamycine, spiramycine, midécamycine, "
        "télithromycine",
        source="OMS, classification ATC J01FA (macrolides)",
    ),
    # WHO ATC J01MA "Fluoroquinolones" (and S01AE, the same molecules as eye drops): the WHO INN stem "-oxacin"
    # (French "-oxacine").
    DrugClass.FLUOROQUINOLONES: _define(
        DrugClass.FLUOROQUINOLONES,
        "",
        stems=(r"oxacine$",),
        source="OMS, classification ATC J01MA et S01AE (fluoroquinolones) ; DCI en -oxacine",
    ),
    # WHO ATC N02A "Opioids", with R05DA codeine-type antitussives and N07BC methadone (the same molecules).
    DrugClass.OPIOIDS: _define(
        DrugClass.OPIOIDS,
        "morphine, codéine, dihydrocodéine, éthylmorphine, pholcodine, tramadol, tapentadol, oxycodone, "
        "hydromorphone, fentanyl, sufentanil, alfentanil, rémifentanil, péthidine, méthadone, buprénorphine, "
        "nalbuphine, opium, poudre d'opium",
        source="OMS, classification ATC N02A (opioïdes), R05DA et N07BC (méthadone)",
    ),
    # WHO ATC V08A "X-ray contrast media, iodinated" (V08AA to V08AD).
    DrugClass.IODINATED_CONTRAST: _define(
        DrugClass.IODINATED_CONTRAST,
        "iohexol, iopamidol, ioméprol, iopromide, iobitridol, ioversol, iodixanol, iopentol, acide ioxaglique, "
        "ioxaglate de méglumine, ioxaglate de sodium, acide amidotrizoïque, amidotrizoate de méglumine, "
        "amidotrizoate de sodium, acide ioxitalamique, ioxitalamate de méglumine, "
        "esters éthyliques d'acides gras iodés de l'huile d'œillette",
        source="OMS, classification ATC V08A (produits de contraste iodés)",
    ),
    # Latex is no drug: an allergy to it is recorded (for the care team) and never matched.
    DrugClass.LATEX: _define(DrugClass.LATEX, ""),
}


# Groups the interaction table names --------------------------------------------------------------------------------
# Each is the list the ANSM "Thésaurus des interactions médicamenteuses" gives for its class of the same name (its
# "Liste des classes" at the end of the document), restricted to molecules marketed in France.

INTERACTION_GROUPS = {
    # Thésaurus: "ANTI-INFLAMMATOIRES NON STÉROÏDIENS" (aspirin has its own entry, ACIDE ACÉTYLSALICYLIQUE).
    "ains": _define(
        "ains",
        "acide tiaprofénique, acide niflumique, acide méfénamique, morniflumate, indométacine, sulindac, étodolac, "
        "nabumétone, kétorolac, nimésulide, phénylbutazone, naproxène",
        stems=(r"profene$", r"fenac$", r"oxicam$", r"coxib$"),
    ),
    # Thésaurus: "ANTIVITAMINES K".
    "avk": _define("avk", "acénocoumarol, fluindione, warfarine"),
    # Thésaurus: "MACROLIDES (SAUF SPIRAMYCINE)".
    "macrolides_sauf_spiramycine": _define(
        "macrolides_sauf_spiramycine",
        "érythromycine, clarithromycine, azithromycine, roxithromycine, josamycine, midécamycine, télithromycine",
    ),
    # Thésaurus: "INHIBITEURS PUISSANTS DU CYP3A4" (those with an oral form in the BDPM).
    "inhibiteurs_puissants_cyp3a4": _define(
        "inhibiteurs_puissants_cyp3a4",
        "clarithromycine, érythromycine, télithromycine, itraconazole, kétoconazole, posaconazole, ritonavir, "
        "cobicistat",
    ),
    # Thésaurus: "IMAO IRRÉVERSIBLES".
    "imao_irreversibles": _define("imao_irreversibles", "iproniazide"),
    # Thésaurus: "INHIBITEURS SÉLECTIFS DE LA RECAPTURE DE LA SÉROTONINE".
    "isrs": _define("isrs", "citalopram, escitalopram, fluoxétine, fluvoxamine, paroxétine, sertraline"),
    # Thésaurus: "ESTROPROGESTATIFS CONTRACEPTIFS" and "PROGESTATIFS CONTRACEPTIFS".
    "contraceptifs_hormonaux": _define(
        "contraceptifs_hormonaux",
        "éthinylestradiol, lévonorgestrel, désogestrel, gestodène, norgestimate, drospirénone, diénogest, "
        "nomégestrol, étonogestrel, norelgestromine, ulipristal",
    ),
    # Thésaurus: "INDUCTEURS ENZYMATIQUES" (the anticonvulsants and antibiotics it lists).
    "inducteurs_enzymatiques": _define(
        "inducteurs_enzymatiques",
        "carbamazépine, oxcarbazépine, phénobarbital, phénytoïne, fosphénytoïne, primidone, rifampicine, rifabutine",
    ),
    # Thésaurus: "DÉRIVÉS NITRÉS ET APPARENTÉS".
    "derives_nitres": _define(
        "derives_nitres", "trinitrine, dinitrate d'isosorbide, mononitrate d'isosorbide, molsidomine, nicorandil"
    ),
    # Thésaurus: "INHIBITEURS DE LA PHOSPHODIESTERASE DE TYPE 5".
    "inhibiteurs_pde5": _define("inhibiteurs_pde5", "sildénafil, tadalafil, vardénafil, avanafil"),
    # Thésaurus: "MORPHINIQUES AGONISTES" (analgesics and antitussives).
    "morphiniques_agonistes": _define(
        "morphiniques_agonistes",
        "morphine, codéine, dihydrocodéine, éthylmorphine, pholcodine, tramadol, tapentadol, oxycodone, "
        "hydromorphone, fentanyl, sufentanil, alfentanil, rémifentanil, péthidine, méthadone, opium",
    ),
    # Thésaurus: "MORPHINIQUES AGONISTES-ANTAGONISTES".
    "morphiniques_agonistes_antagonistes": _define("morphiniques_agonistes_antagonistes", "buprénorphine, nalbuphine"),
    # Thésaurus: "ANTIMIGRAINEUX: TRIPTANS".
    "triptans": _define("triptans", "", stems=(r"triptan$",)),
    # Thésaurus: "ALCALOÏDES DE L'ERGOT DE SEIGLE VASOCONSTRICTEURS".
    "ergot_vasoconstricteurs": _define(
        "ergot_vasoconstricteurs", "ergotamine, dihydroergotamine, méthylergométrine, méthysergide"
    ),
    # Thésaurus: "DIURÉTIQUES ÉPARGNEURS DE POTASSIUM".
    "epargneurs_potassium": _define(
        "epargneurs_potassium", "amiloride, spironolactone, éplérénone, triamtérène, canrénoate de potassium"
    ),
    # Thésaurus: "POTASSIUM" (the oral and injectable potassium salts).
    "potassium": _define("potassium", "chlorure de potassium, gluconate de potassium"),
    # Thésaurus: "INHIBITEURS DE L'ENZYME DE CONVERSION" (INN stem "-pril").
    "iec": _define("iec", "", stems=(r"prilate?$",)),
    # Thésaurus: "ANTAGONISTES DES RÉCEPTEURS DE L'ANGIOTENSINE II" (INN stem "-sartan").
    "ara2": _define("ara2", "", stems=(r"sartan$",)),
    # Thésaurus: "PÉNICILLINES" (the same list as the allergy class).
    "penicillines": ALLERGY_CLASSES[DrugClass.PENICILLINS],
}

DEFINITIONS = {str(name): definition for name, definition in (ALLERGY_CLASSES | INTERACTION_GROUPS).items()}


@functools.cache
def _table() -> dict[str, frozenset[str]]:
    members: dict[str, set[str]] = {name: set() for name in DEFINITIONS}
    header, *lines = CLASSES_PATH.read_text(encoding="utf-8").splitlines()
    if tuple(header.split("\t")) != CLASSES_COLUMNS:
        raise ValueError(f"{CLASSES_PATH} has columns {header!r}: rebuild it with manage.py build_drug_lexicon.")
    for line in lines:
        name, key, _bdpm_name = line.split("\t")
        members.setdefault(name, set()).add(key)
    return {name: frozenset(keys) for name, keys in members.items()}


@functools.cache
def classes_of(key: str) -> frozenset[str]:
    """The classes and groups a substance (by its key) belongs to."""
    return frozenset(
        name
        for name, definition in DEFINITIONS.items()
        if key in _table().get(name, frozenset()) or definition.matches(key)
    )


def belongs(key: str, name: str) -> bool:
    return name in classes_of(key)
