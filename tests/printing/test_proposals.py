import datetime
import io

import pypdfium2 as pdfium
import pytest
from fpdf import FPDF
from PIL import Image, ImageFilter

from access.models import Grant, Permission, Scope
from accounts.models import PatientProfile, Role, User
from printing.proposals import (
    PAGE_BREAK,
    Evidence,
    Reason,
    patient_named_in_job_name,
    print_job_propose,
    propose_patient,
)
from printing.services import print_job_receive, print_job_set_proposal
from sharing import services as sharing
from tests.factories import DEFAULT_PASSWORD_HASH, PatientFactory

pytestmark = pytest.mark.django_db

BIRTH_DATE = datetime.date(1948, 3, 5)


def patient_of(professional, *, first_name, last_name, birth_date=BIRTH_DATE, permission=Permission.CONTRIBUTE):
    patient = PatientFactory(first_name=first_name, last_name=last_name, patient_profile__birth_date=birth_date)
    sharing.grant_give(actor=patient, professional=professional, scope=Scope.ALL, permission=permission)
    return patient


@pytest.fixture
def marie(bob):
    return patient_of(bob, first_name="Marie", last_name="Dupont")


def prescription(*lines: str) -> str:
    """A prescription's text as the reader returns it: one line per line of the page."""
    return "\n".join(["Dr Bob LEGRAND", "Médecin généraliste", "Lyon, le 12/05/2025", *lines, "Dr Bob LEGRAND"])


def proposed(professional, text="") -> tuple[User | None, str | None]:
    proposal = propose_patient(professional=professional, text=text)
    return (proposal.patient, proposal.reason) if proposal else (None, None)


def evidence_of(professional, text) -> Evidence:
    return propose_patient(professional=professional, text=text).evidence


# --- The patient's ReLyfe id ------------------------------------------------------------------------


def test_it_proposes_the_patient_whose_relyfe_id_is_in_the_footer(bob, marie):
    text = prescription("Mme Marie", "Doliprane 1000 mg", f"ReLyfe : {marie.public_id}")

    assert proposed(bob, text) == (marie, Reason.RELYFE_ID)


@pytest.mark.parametrize(
    "printed",
    [
        lambda public_id: str(public_id).upper(),
        lambda public_id: public_id.hex,
        lambda public_id: f"ReLyfe ID: {public_id.hex.upper()}",
        lambda public_id: f"ReLyfe:{public_id}",
        lambda public_id: str(public_id).replace("-", " – "),
    ],
    ids=["upper-case", "without-dashes", "labelled-upper-case", "labelled-without-space", "ocr-spaced-dashes"],
)
def test_it_reads_the_relyfe_id_in_its_printed_forms(bob, marie, printed):
    assert proposed(bob, prescription(printed(marie.public_id))) == (marie, Reason.RELYFE_ID)


def test_the_relyfe_id_line_is_the_evidence(bob, marie):
    text = prescription("Mme Marie", "Doliprane 1000 mg", f"ReLyfe :   {marie.public_id}")

    assert evidence_of(bob, text) == Evidence(page=1, lines=(f"ReLyfe : {marie.public_id}",))


def test_the_relyfe_id_of_a_patient_without_a_grant_proposes_no_one(bob, charlie, marie):
    outsider = PatientFactory(first_name="Paul", last_name="Durand", patient_profile__birth_date=BIRTH_DATE)
    text = prescription(f"ReLyfe : {outsider.public_id}")

    assert proposed(bob, text) == (None, None)
    # A professional with no patient at all learns nothing either.
    assert proposed(charlie, prescription(f"ReLyfe : {marie.public_id}")) == (None, None)


def test_a_labelled_id_of_another_patient_wins_over_a_matching_name(bob, marie):
    """The footer says whose document it is: a homonym among bob's patients is not proposed instead."""
    namesake = PatientFactory(first_name="Marie", last_name="Dupont", patient_profile__birth_date=BIRTH_DATE)
    text = prescription("Mme DUPONT Marie née le 05/03/1948", f"ReLyfe : {namesake.public_id}")

    assert proposed(bob, text) == (None, None)


def test_the_relyfe_id_beats_the_name_and_birth_date(bob, marie):
    jean = patient_of(bob, first_name="Jean", last_name="Martin", birth_date=datetime.date(1960, 1, 2))
    text = prescription("Mme DUPONT Marie née le 05/03/1948", f"ReLyfe : {jean.public_id}")

    assert proposed(bob, text) == (jean, Reason.RELYFE_ID)


def test_two_relyfe_ids_fall_back_to_the_name_and_birth_date(bob, marie):
    jean = patient_of(bob, first_name="Jean", last_name="Martin", birth_date=datetime.date(1960, 1, 2))
    text = prescription("Mme DUPONT Marie née le 05/03/1948", f"ReLyfe : {jean.public_id}", f"{marie.public_id}")

    assert proposed(bob, text) == (marie, Reason.NAME_AND_BIRTH_DATE)


# --- Name and birth date ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "Mme DUPONT Marie née le 05/03/1948",
        "Madame Marie DUPONT, 5/3/1948",
        "DUPONT Marie - 05.03.1948",
        "Patient : Marie Dupont (1948-03-05)",
        "Mme Marie DUPONT née le 5 mars 1948",
        "Mme DUPONT Marie, née le 05 mars 1948",
        "DUPONT, Marie — Date de naissance : 05 - 03 - 1948",
        "MME DUPONT MARIE NÉE LE 5 MARS 1948",
    ],
)
def test_it_proposes_the_patient_named_with_their_birth_date(bob, marie, line):
    assert proposed(bob, prescription(line, "Doliprane 1000 mg")) == (marie, Reason.NAME_AND_BIRTH_DATE)


def test_it_reads_the_first_of_the_month_as_french_writes_it(bob):
    patient = patient_of(bob, first_name="Jean", last_name="Martin", birth_date=datetime.date(1952, 8, 1))

    assert proposed(bob, prescription("M. MARTIN Jean, né le 1er août 1952")) == (patient, Reason.NAME_AND_BIRTH_DATE)


def test_a_name_without_the_birth_date_proposes_no_one(bob, marie):
    assert proposed(bob, prescription("Mme DUPONT Marie", "Doliprane 1000 mg")) == (None, None)
    assert proposed(bob, prescription("Mme DUPONT Marie née le 06/03/1948")) == (None, None)


def test_the_birth_date_tells_namesakes_apart(bob, marie):
    younger = patient_of(bob, first_name="Marie", last_name="Dupont", birth_date=datetime.date(1975, 11, 30))

    assert proposed(bob, prescription("Mme DUPONT Marie née le 30/11/1975")) == (younger, Reason.NAME_AND_BIRTH_DATE)
    assert proposed(bob, prescription("Mme DUPONT Marie née le 05/03/1948")) == (marie, Reason.NAME_AND_BIRTH_DATE)


def test_namesakes_born_the_same_day_propose_no_one(bob, marie):
    patient_of(bob, first_name="Marie", last_name="Dupont")

    assert proposed(bob, prescription("Mme DUPONT Marie née le 05/03/1948")) == (None, None)


def test_names_are_compared_without_accents_nor_case(bob):
    helene = patient_of(bob, first_name="Hélène", last_name="Lefèvre-Béranger")

    text = prescription("MME LEFEVRE BERANGER HELENE", "Née le 05/03/1948")
    assert proposed(bob, text) == (helene, Reason.NAME_AND_BIRTH_DATE)


def test_names_match_whole_words_on_one_line(bob):
    patient_of(bob, first_name="Marie", last_name="Dupont")

    assert proposed(bob, prescription("Mme DUPONTEL Marie née le 05/03/1948")) == (None, None)
    assert proposed(bob, prescription("Mme DUPONT", "Marie-Claire, née le 05/03/1948")) == (None, None)


def test_a_read_only_grant_does_not_count(bob, charlie):
    patient_of(bob, first_name="Marie", last_name="Dupont", permission=Permission.READ)
    patient_of(charlie, first_name="Jean", last_name="Martin", permission=Permission.COMMENT)

    assert proposed(bob, prescription("Mme DUPONT Marie née le 05/03/1948")) == (None, None)
    assert proposed(charlie, prescription("M. MARTIN Jean né le 05/03/1948")) == (None, None)


def test_a_revoked_grant_does_not_count(bob, marie):
    grant = Grant.objects.get(patient=marie, professional=bob)
    sharing.grant_revoke(actor=marie, grant=grant)

    assert proposed(bob, prescription("Mme DUPONT Marie née le 05/03/1948")) == (None, None)


# --- Evidence ------------------------------------------------------------------------------------


def test_the_line_with_the_name_and_the_birth_date_is_the_evidence(bob, marie):
    text = prescription("Mme DUPONT Marie née le 05/03/1948", "Doliprane 1000 mg")

    assert evidence_of(bob, text) == Evidence(page=1, lines=("Mme DUPONT Marie née le 05/03/1948",))


def test_a_birth_date_on_the_next_line_is_quoted_with_the_name(bob, marie):
    text = prescription("MME DUPONT MARIE", "Née le 05/03/1948", "Doliprane 1000 mg")

    assert evidence_of(bob, text) == Evidence(page=1, lines=("MME DUPONT MARIE", "Née le 05/03/1948"))


def test_the_evidence_names_the_page_it_was_found_on(bob, marie):
    text = PAGE_BREAK.join([prescription("Doliprane 1000 mg"), "Suite\nMme DUPONT Marie née le 05/03/1948"])

    assert evidence_of(bob, text) == Evidence(page=2, lines=("Mme DUPONT Marie née le 05/03/1948",))


def test_a_long_line_is_quoted_cut(bob, marie):
    line = "Mme DUPONT Marie née le 05/03/1948 " + "x" * 300

    (quoted,) = evidence_of(bob, prescription(line)).lines

    assert quoted.startswith("Mme DUPONT Marie née le 05/03/1948") and len(quoted) == 120


# --- The job name is no evidence ------------------------------------------------------------------


def test_the_document_names_its_patient_whatever_the_job_name_says(bob, alice, dave):
    """The secretary printed dave's prescription from a document still named after alice."""
    for patient, birth_date in ((alice, datetime.date(1984, 3, 12)), (dave, datetime.date(1990, 7, 1))):
        patient.patient_profile.birth_date = birth_date
        patient.patient_profile.save()
        sharing.grant_give(actor=patient, professional=bob, scope=Scope.ALL, permission=Permission.CONTRIBUTE)
    line = f"M. {dave.last_name.upper()} {dave.first_name} né le 01/07/1990"

    proposal = propose_patient(professional=bob, text=prescription(line))

    assert (proposal.patient, proposal.reason) == (dave, Reason.NAME_AND_BIRTH_DATE)
    assert proposal.evidence == Evidence(page=1, lines=(line,))
    assert patient_named_in_job_name(professional=bob, job_name=f"Ordonnance {alice.full_name}") == alice


@pytest.mark.parametrize(
    "text",
    ["", prescription("Doliprane 1000 mg"), prescription("Mme DUPONT Marie", "Doliprane 1000 mg")],
    ids=["no-text", "nobody-named", "name-without-birth-date"],
)
def test_a_job_name_naming_a_patient_proposes_no_one_when_the_document_does_not(bob, marie, text):
    assert proposed(bob, text) == (None, None)
    assert patient_named_in_job_name(professional=bob, job_name="Ordonnance DUPONT Marie.pdf") == marie


@pytest.mark.parametrize(
    "job_name",
    ["Ordonnance MARTIN Jean", "Ordonnance_-_Jean_Martin.pdf", "rx-{relyfe_id}.pdf"],
    ids=["last-first", "underscores", "relyfe-id"],
)
def test_the_job_name_hints_at_the_one_patient_it_names(bob, marie, job_name):
    jean = patient_of(bob, first_name="Jean", last_name="Martin", birth_date=datetime.date(1960, 1, 2))

    hint = patient_named_in_job_name(professional=bob, job_name=job_name.format(relyfe_id=jean.public_id.hex))

    assert hint == jean


def test_the_job_name_hints_at_no_one_when_it_fits_two_patients_or_a_stranger(bob, charlie, marie):
    patient_of(bob, first_name="Marie", last_name="Dupont", birth_date=datetime.date(1975, 11, 30))
    stranger = PatientFactory(first_name="Paul", last_name="Durand")

    assert patient_named_in_job_name(professional=bob, job_name="Ordonnance - DUPONT Marie.pdf") is None
    assert patient_named_in_job_name(professional=bob, job_name="Ordonnance Paul Durand") is None
    assert patient_named_in_job_name(professional=charlie, job_name=f"rx-{stranger.public_id.hex}") is None


def test_a_patient_the_professional_has_no_access_to_is_never_proposed(bob, marie, dave):
    """Named with their birth date or their ReLyfe id, dave is not one of bob's patients: no one is
    proposed, and nothing tells bob that dave exists."""
    dave.patient_profile.birth_date = BIRTH_DATE
    dave.patient_profile.save()
    named = prescription(f"M. {dave.last_name.upper()} {dave.first_name} né le 05/03/1948")

    assert proposed(bob, named) == (None, None)
    assert proposed(bob, prescription(f"ReLyfe : {dave.public_id}")) == (None, None)
    assert patient_named_in_job_name(professional=bob, job_name=f"Ordonnance {dave.full_name}") is None


# --- Many patients ----------------------------------------------------------------------------------


def test_it_reads_a_large_patient_list_in_few_queries(bob, marie, django_assert_max_num_queries):
    patients = User.objects.bulk_create(
        User(
            role=Role.PATIENT,
            email=f"patient{number}@example.org",
            first_name=f"Prénom{number}",
            last_name=f"Nom{number}",
            password=DEFAULT_PASSWORD_HASH,
        )
        for number in range(2000)
    )
    PatientProfile.objects.bulk_create(PatientProfile(user=patient, birth_date=BIRTH_DATE) for patient in patients)
    Grant.objects.bulk_create(
        Grant(patient=patient, professional=bob, created_by=patient, permission=Permission.CONTRIBUTE)
        for patient in patients
    )
    text = prescription("Mme DUPONT Marie née le 05/03/1948")

    # The candidates, then the one proposed, then the policy's check of that one.
    with django_assert_max_num_queries(3):
        assert proposed(bob, text) == (marie, Reason.NAME_AND_BIRTH_DATE)
    assert proposed(bob, prescription("M. NOM1999 Prénom1999 né le 05/03/1948")) == (
        patients[-1],
        Reason.NAME_AND_BIRTH_DATE,
    )


# --- Print jobs, end to end -------------------------------------------------------------------------


def prescription_pdf(*lines: str, pages: int = 1) -> bytes:
    """A prescription as a practice's software prints it: a text layer, core fonts."""
    pdf = FPDF(format="A4")
    for page in range(pages):
        pdf.add_page()
        pdf.set_font("Helvetica", size=12)
        for line in lines if page == 0 else [f"Page {page + 1}", "Suite du traitement, sans nom du patient."]:
            pdf.multi_cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def photo_of(pdf: bytes) -> bytes:
    """The printed page photographed: rendered at 150 dpi, turned a little, softened, saved as a JPEG."""
    document = pdfium.PdfDocument(pdf)
    try:
        page = document[0]
        image = page.render(scale=150 / 72).to_pil().convert("RGB")
        page.close()
    finally:
        document.close()
    image = image.rotate(1.5, expand=True, fillcolor="white").filter(ImageFilter.GaussianBlur(0.6))
    output = io.BytesIO()
    image.save(output, format="JPEG", quality=85)
    return output.getvalue()


def footer_prescription(patient) -> tuple[str, ...]:
    return (
        "Dr Bob LEGRAND - Médecin généraliste",
        "12 rue de la République, 69002 Lyon",
        "Lyon, le 12/05/2025",
        "Mme DUPONT Marie née le 05/03/1948",
        "1) DOLIPRANE 1000 mg, comprimé : 1 comprimé 3 fois par jour pendant 5 jours",
        "2) AMOXICILLINE 1 g : 1 comprimé matin et soir pendant 6 jours",
        f"ReLyfe : {patient.public_id}",
    )


def test_a_printed_pdf_gets_the_patient_of_its_footer(bob, marie):
    job = print_job_receive(actor=bob, name="Ordonnance.pdf", data=prescription_pdf(*footer_prescription(marie)))

    proposal = print_job_propose(job=job)

    job.refresh_from_db()
    assert (proposal.patient, proposal.reason) == (marie, Reason.RELYFE_ID)
    assert (job.proposed_patient, job.proposal_reason) == (marie, "relyfe_id")
    assert job.proposal_evidence == {"page": 1, "lines": [f"ReLyfe : {marie.public_id}"]}


def test_a_long_print_is_read_from_its_first_pages(bob, marie):
    lines = ("Dr Bob LEGRAND", "Mme DUPONT Marie née le 05/03/1948", "1) DOLIPRANE 1000 mg")
    # More pages than the prescription reader accepts: only the first ones are read.
    job = print_job_receive(actor=bob, name="Dossier.pdf", data=prescription_pdf(*lines, pages=25))

    print_job_propose(job=job)

    job.refresh_from_db()
    assert (job.proposed_patient, job.proposal_reason) == (marie, "name_and_birth_date")
    assert job.proposal_evidence == {"page": 1, "lines": ["Mme DUPONT Marie née le 05/03/1948"]}


def test_a_photographed_page_is_read_with_ocr(bob, marie):
    job = print_job_receive(
        actor=bob, name="scan0001.jpg", data=photo_of(prescription_pdf(*footer_prescription(marie)))
    )
    assert job.documents.get().content_type == "image/jpeg"

    print_job_propose(job=job)

    job.refresh_from_db()
    assert (job.proposed_patient, job.proposal_reason) == (marie, "relyfe_id")


def test_a_document_without_text_proposes_no_one_whatever_its_job_name(bob, marie):
    blank = io.BytesIO()
    Image.new("RGB", (300, 400), "white").save(blank, format="JPEG")
    job = print_job_receive(actor=bob, name="Ordonnance DUPONT Marie", data=blank.getvalue())
    other = print_job_receive(actor=bob, name="Scan.jpg", data=blank.getvalue())
    print_job_set_proposal(job=other, patient=marie, reason="relyfe_id", evidence={"page": 1, "lines": ["x"]})

    assert print_job_propose(job=job) is None
    assert print_job_propose(job=other) is None

    other.refresh_from_db()
    assert (other.proposed_patient, other.proposal_reason, other.proposal_evidence) == (None, "", {})
