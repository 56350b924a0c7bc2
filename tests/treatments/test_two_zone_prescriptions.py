"""Two-zone prescriptions (ordonnance bizone): the upper zone for the long-term condition (ALD), the lower one
for anything else. The reader keeps each medication's zone; the review groups them; the treatment shows it."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from fpdf import FPDF

from documents.text import DocumentText, Line, PageText
from documents.uploads import check_upload
from health_records import services as records
from treatments.extraction.parser import extract
from treatments.models import Medication, PrescriptionReading, Treatment
from treatments.tasks import read_prescription

UPPER_HEADING = (
    "Prescriptions relatives au traitement de l'affection de longue durée reconnue (liste ou hors liste)",
    "(AFFECTION EXONÉRANTE)",
)
LOWER_HEADING = ("Prescriptions SANS RAPPORT avec l'affection de longue durée", "(MALADIES INTERCURRENTES)")
HEADER = ("Dr Anaïs RICHARD", "Médecine générale", "RPPS 10017468140", "Lyon, le 12/03/2026", "Mme Alice MARTIN")


def read(*texts: str, confidence: float = 1.0):
    document = DocumentText(pages=[PageText(lines=[Line(text, confidence) for text in texts])], engine="test")
    return extract(document)


def zones(extraction) -> list[tuple[str, str]]:
    return [(medication.substance, medication.zone) for medication in extraction.medications]


def test_each_medication_keeps_the_zone_it_is_written_in():
    extraction = read(
        *HEADER,
        *UPPER_HEADING,
        "METFORMINE 850 mg, comprimé : 1 comprimé matin et soir",
        "Atorvastatine 20 mg cp : 1 le soir",
        *LOWER_HEADING,
        "Paracétamol 1 g cp : 1 comprimé 3 fois par jour pendant 5 jours",
    )

    assert zones(extraction) == [("METFORMINE", "ald"), ("ATORVASTATINE", "ald"), ("PARACÉTAMOL", "other")]
    assert extraction.warnings == []


@pytest.mark.parametrize(
    ("upper", "lower"),
    [
        # Without accents, in capitals, wrapped differently.
        (
            ("PRESCRIPTIONS RELATIVES AU TRAITEMENT DE L'AFFECTION DE LONGUE DUREE", "RECONNUE (LISTE OU HORS LISTE)"),
            ("PRESCRIPTIONS SANS RAPPORT AVEC L'AFFECTION DE LONGUE DUREE (MALADIES INTERCURRENTES)",),
        ),
        # Read by OCR: letters misread ("l" for "i", "0" for "o"), a letter lost.
        (
            ("Prescrlptions reIatives au traltement de l'afection de longue duree reconnue", "(AFFECTION EXONERANTE)"),
            ("Prescriptions SANS RAPP0RT avec l'affection de longue durèe", "(MALADlES INTERCURRENTES)"),
        ),
        # One word misread beyond recognition.
        (
            ("Prescriptions relatives au trxqzmnt de l'affection de longue durée reconnue",),
            ("Prescriptions sans rapport avec l'affection de longue durée",),
        ),
        # The long headings garbled past reading, the two words under them misread, every one of them (poor photos).
        (
            (
                "Prestrptiors reles aa tratertet de aflecnun de langue du reconue (te ou rors fist)",
                "GTECTION EXONERANTI)",
            ),
            ("Presciptinns SANs tArPOiE amc Tallectiun de locgure daree", "UMALADES ONTUBCURRENTIS"),
        ),
        (("Prestrptiors reles aa tratertet", "(AFFECTION EXOMRANTT)"), ("OMALADIES (NTERCURRENTES)",)),
        # Joined by the OCR to what is printed beside them.
        (
            (f"{UPPER_HEADING[0]} Identification du patient",),
            ("Prescriptions SANS RAPPORT avec l'affection de longue durée Mme Alice MARTIN",),
        ),
        # The short headings some software prints.
        (("ALD",), ("Hors ALD",)),
        (("Traitement ALD :",), ("Prescriptions hors A.L.D.",)),
    ],
)
def test_the_headings_are_recognised_in_their_variants(upper, lower):
    extraction = read(*HEADER, *upper, "Metformine 850 mg", "1 cp matin et soir", *lower, "Ibuprofène 400 mg")

    assert zones(extraction) == [("METFORMINE", "ald"), ("IBUPROFÈNE", "other")]
    # The headings are neither medications nor part of a posology.
    assert extraction.medications[0].source_line == "Metformine 850 mg\n1 cp matin et soir"
    assert extraction.medications[1].source_line == "Ibuprofène 400 mg"


def test_a_posology_line_just_before_the_lower_heading_belongs_to_the_medication_above():
    extraction = read(
        *UPPER_HEADING,
        "Lévothyroxine 75 µg",
        "1 comprimé le matin à jeun",
        "pendant 3 mois",
        *LOWER_HEADING,
        "Amoxicilline 1 g",
        "1 comprimé matin et soir pendant 6 jours",
    )

    levothyroxine, amoxicillin = extraction.medications
    assert (levothyroxine.zone, levothyroxine.periods, levothyroxine.duration_days) == ("ald", ["morning"], 90)
    assert (amoxicillin.zone, amoxicillin.periods, amoxicillin.duration_days) == ("other", ["morning", "evening"], 6)


def test_the_headings_do_not_lend_a_posology_to_a_medication_written_without_one():
    extraction = read(*UPPER_HEADING, "Metformine 850 mg", *LOWER_HEADING, "Paracétamol 1 g cp")

    metformin, paracetamol = extraction.medications
    assert (metformin.dose, metformin.periods, metformin.duration_days) == (None, [], None)
    assert metformin.source_line == "Metformine 850 mg"
    assert paracetamol.zone == "other"


def test_a_heading_joined_to_a_medication_line_does_not_hide_it_as_a_heading():
    extraction = read(*UPPER_HEADING, "Prescriptions sans rapport avec l'affection de longue durée Doliprane 1000 mg")

    # Neither a heading (the zone would be guessed) nor a medication (its line does not start with it).
    assert extraction.medications == []


def test_a_heading_is_never_a_medication():
    extraction = read(*HEADER, *UPPER_HEADING, *LOWER_HEADING, "ALD", "Hors ALD")

    assert extraction.medications == []


def test_a_prescription_without_zones_keeps_its_medications_out_of_any_zone():
    extraction = read(
        *HEADER,
        "Patient en ALD",  # a mention, not a heading
        "Metformine 850 mg : 1 comprimé matin et soir",
        "Pendant la durée du traitement",
        "Paracétamol 1 g cp : 1 comprimé si douleur",
    )

    assert zones(extraction) == [("METFORMINE", ""), ("PARACÉTAMOL", "")]


def test_a_medication_line_that_says_ald_is_a_medication_not_a_heading():
    extraction = read(*LOWER_HEADING, "Metformine 850 mg ALD : 1 comprimé matin et soir")

    assert zones(extraction) == [("METFORMINE", "other")]


# The whole path: a two-zone PDF is uploaded, read, reviewed and confirmed ------------------------------------------


def two_zone_prescription_pdf() -> bytes:
    """A printed two-zone prescription, as doctors' software makes it (with a text layer)."""
    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    lines = [
        *HEADER,
        *UPPER_HEADING,
        "METFORMINE 850 mg comprimé : 1 comprimé matin et soir pendant 3 mois",
        "Lévothyroxine 75 µg : 1 comprimé le matin à jeun pendant 3 mois",
        *LOWER_HEADING,
        "Paracétamol 1 g cp : 1 comprimé 3 fois par jour pendant 5 jours",
    ]
    for line in lines:
        pdf.multi_cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


@pytest.mark.django_db
def test_a_two_zone_prescription_is_reviewed_by_zone_and_its_treatment_shows_the_ald_medications(
    client, alice, django_capture_on_commit_callbacks, settings
):
    settings.LANGUAGE_CODE = "en"  # the page's words as written, whatever the translations become
    with django_capture_on_commit_callbacks(execute=False):
        record = records.health_record_create(
            actor=alice,
            patient=alice,
            kind="prescription",
            title="Ordonnance bizone",
            clinical_date="2026-03-12",
            uploads=[check_upload(SimpleUploadedFile("bizone.pdf", two_zone_prescription_pdf()))],
        )
    reading = PrescriptionReading.objects.get(record=record)
    read_prescription(reading.pk)  # the task's own body, as a worker runs it
    reading.refresh_from_db()
    assert reading.status == "ready", reading.error
    assert [medication["zone"] for medication in reading.result["medications"]] == ["ald", "ald", "other"]

    client.force_login(alice)
    review = client.get(reverse("treatments:reading_review", args=[reading.public_id]))

    page = review.content.decode()
    headings = [(match.start(), match.group(1)) for match in re.finditer(r'<h2 class="review-zone">(.*?)</h2>', page)]
    assert [text for _, text in headings] == ["Long-term condition (ALD)", "Other conditions"]
    (ald_heading, _), (other_heading, _) = headings
    assert ald_heading < page.index("METFORMINE 850 mg") < page.index("Lévothyroxine 75") < other_heading
    assert other_heading < page.index("Paracétamol 1 g")
    assert page.count('name="lines-0-zone"') == 1  # the reviewer can move a line to the other zone

    data = {
        "title": "Diabète et douleur",
        "start_date": "2026-03-12",
        "prescriber_name": "Dr Anaïs RICHARD",
        **{f"lines-{name}": value for name, value in review.context["lines"].management_form.initial.items()},
    }
    for index, form in enumerate(review.context["lines"].initial_forms):
        filled = {name: value for name, value in form.initial.items() if value not in (None, False)}
        data.update({f"lines-{index}-{name}": value for name, value in filled.items()})
    # The reviewer moves the paracetamol into the ALD zone: their correction is what is stored.
    data["lines-2-zone"] = "ald"
    data["lines-1-zone"] = "other"
    response = client.post(reverse("treatments:reading_review", args=[reading.public_id]), data)

    treatment = Treatment.objects.get()
    assert response.url == reverse("treatments:detail", args=[treatment.public_id])
    stored = {medication.substance: medication.zone for medication in Medication.objects.all()}
    assert stored == {"METFORMINE": "ald", "LÉVOTHYROXINE SODIQUE": "other", "PARACÉTAMOL": "ald"}
    detail = client.get(response.url).content.decode()
    assert detail.count('class="badge badge--zone"') == 2
    assert detail.count(">Not ALD<") == 1


@pytest.mark.django_db
def test_the_api_confirms_the_zones_and_gives_them_with_the_medications(alice):
    from rest_framework.test import APIClient

    from tests.factories import HealthRecordFactory, RecordFileFactory

    record = HealthRecordFactory(patient=alice, kind="prescription", title="Ordonnance bizone")
    reading = PrescriptionReading.objects.create(
        record=record, record_file=RecordFileFactory(record=record), status="ready", result={"medications": []}
    )
    api = APIClient()
    api.force_authenticate(alice)
    medication = {"dose": "1", "unit": "comprimé", "periods": ["morning"]}

    response = api.post(
        reverse("api:reading-confirm", args=[reading.public_id]),
        {
            "title": "Diabète",
            "start_date": "2026-03-12",
            "medications": [
                {"name": "METFORMINE 850 mg", "zone": "ald", **medication},
                {"name": "PARACÉTAMOL 1 g", "zone": "other", **medication},
                {"name": "SPASFON 80 mg", **medication},
            ],
        },
        format="json",
    )

    assert response.status_code == 201
    treatment = api.get(reverse("api:treatment", args=[Treatment.objects.get().public_id])).json()
    rows = treatment["medications"]
    assert {row["name"]: row["zone"] for row in rows} == {
        "METFORMINE 850 mg": "ald",
        "PARACÉTAMOL 1 g": "other",
        "SPASFON 80 mg": "",
    }


@pytest.mark.django_db
def test_the_fhir_export_gives_the_zone_of_a_medication_on_a_two_zone_prescription(alice):
    from portability import fhir_map
    from portability.export_selectors import export_data
    from portability.export_services import file_hashes
    from tests.factories import MedicationFactory, TreatmentFactory

    treatment = TreatmentFactory(patient=alice)
    MedicationFactory(treatment=treatment, name="METFORMINE 850 mg", zone="ald")
    MedicationFactory(treatment=treatment, name="DOLIPRANE 1000 mg")
    data = export_data(actor=alice, patient=alice)

    bundle = fhir_map.bundle_dict(data, file_url=lambda record_file: "", hashes=file_hashes(data.files))

    fhir_map.validated(bundle)
    requests = {
        entry["resource"]["medicationCodeableConcept"]["text"]: entry["resource"].get("extension")
        for entry in bundle["entry"]
        if entry["resource"]["resourceType"] == "MedicationRequest"
    }
    assert requests == {
        "METFORMINE 850 mg": [
            {"url": "https://relyfe.fr/fhir/StructureDefinition/prescription-zone", "valueCode": "ald"}
        ],
        "DOLIPRANE 1000 mg": None,
    }


@pytest.mark.django_db
def test_the_zone_of_a_medication_can_be_changed_by_hand(client, alice):
    from tests.factories import MedicationFactory

    medication = MedicationFactory(treatment__patient=alice, name="METFORMINE 850 mg", zone="other")
    client.force_login(alice)
    form = {"name": "METFORMINE 850 mg", "dose": "1", "dose_unit": "comprimé", "morning": "on", "zone": "ald"}

    response = client.post(
        reverse("treatments:medication_edit", args=[medication.public_id]),
        {**form, "start_date": medication.start_date.isoformat()},
    )

    assert response.status_code == 302
    medication.refresh_from_db()
    assert medication.zone == "ald"


def test_extract_prescription_prints_the_zones(tmp_path):
    import json
    from io import StringIO

    from django.core.management import call_command

    pdf = tmp_path / "bizone.pdf"
    pdf.write_bytes(two_zone_prescription_pdf())

    def run(*arguments) -> str:
        output = StringIO()
        call_command("extract_prescription", str(pdf), *arguments, stdout=output)
        return output.getvalue()

    (result,) = json.loads(run("--json"))
    assert [medication["zone"] for medication in result["medications"]] == ["ald", "ald", "other"]
    summary = run()
    assert summary.count("(zone ALD)") == 2 and summary.count("(hors ALD)") == 1


def test_a_scanned_two_zone_prescription_keeps_its_zones():
    """The same page printed and scanned: the headings come from the OCR, not from a text layer."""
    import io

    import pypdfium2
    from PIL import ImageFilter

    from documents.reading import read_document

    pdf = pypdfium2.PdfDocument(two_zone_prescription_pdf())
    try:
        scan = pdf[0].render(scale=150 / 72).to_pil().convert("RGB").filter(ImageFilter.GaussianBlur(0.6))
    finally:
        pdf.close()
    jpeg = io.BytesIO()
    scan.save(jpeg, "JPEG", quality=75)

    extraction = extract(read_document(jpeg.getvalue(), "image/jpeg"))

    assert zones(extraction) == [("METFORMINE", "ald"), ("LÉVOTHYROXINE SODIQUE", "ald"), ("PARACÉTAMOL", "other")]


@pytest.mark.parametrize("line", ["(Affection cutanée)", "Maladies chroniques", "Exonérante totale"])
def test_a_short_line_with_one_word_of_the_headings_opens_no_zone(line):
    extraction = read(*HEADER, line, "Metformine 850 mg", "1 cp matin et soir")

    assert zones(extraction) == [("METFORMINE", "")]
