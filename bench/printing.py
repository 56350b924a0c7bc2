"""Virtual printer benchmark: what a print costs the server, and how fast ReLyfe finds whose it is.

Prints the median server time of an authenticated Get-Printer-Attributes and of a Print-Job of a one-page
PDF (through Django's whole stack: authentication, IPP decoding, storage, database), the throughput of
Print-Job for a scanned PDF of 5 pages, and the time to propose the patient a document names for a professional
with 2,000 patients (the text already read). Runs on a throw-away test database: SQLite by default,
PostgreSQL when DATABASE_URL is set.

    .venv/bin/python bench/printing.py [--rounds 50] [--patients 2000]
"""

import argparse
import base64
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="relyfe-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relyfe.settings")

import django

django.setup()

from datetime import date

import numpy
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test import Client
from django.test.utils import setup_test_environment
from django.urls import reverse
from fpdf import FPDF
from PIL import Image

from access.models import Grant, GrantOrigin, Permission, Scope
from accounts import services as accounts
from accounts.models import PatientProfile, Role, User
from printing.ipp.codec import Attribute, AttributeGroup, Message, decode, encode
from printing.ipp.constants import DelimiterTag, Operation, Status, ValueTag
from printing.models import PrintJob
from printing.proposals import propose_patient
from printing.services import printer_ensure

SECRET = "bench-printer-secret"  # noqa: S105  # nosec B105  # a throw-away benchmark printer


def pdf(pages: int) -> bytes:
    document = FPDF()
    document.set_font("helvetica", size=11)
    for page in range(pages):
        document.add_page()
        for line in range(45):
            document.cell(0, 5, f"Ordonnance page {page + 1}, ligne {line + 1}: DOLIPRANE 1000 mg, 1 cp matin et soir")
            document.ln()
    return bytes(document.output())


def scanned_pdf(pages: int) -> bytes:
    """Pages as a scanner makes them: one A4 picture each at 150 dpi (noise, so that it does not compress)."""
    document = FPDF()
    generator = numpy.random.default_rng(7)
    for _page in range(pages):
        document.add_page()
        picture = Image.fromarray(generator.integers(0, 256, (1754, 1240), dtype=numpy.uint8), mode="L")
        output = io.BytesIO()
        picture.save(output, format="JPEG", quality=60)
        document.image(io.BytesIO(output.getvalue()), x=0, y=0, w=210, h=297)
    return bytes(document.output())


def ipp(operation: int, *attributes: Attribute, slug: str) -> bytes:
    group = AttributeGroup(
        DelimiterTag.OPERATION_ATTRIBUTES,
        (
            Attribute.of("attributes-charset", ValueTag.CHARSET, "utf-8"),
            Attribute.of("attributes-natural-language", ValueTag.NATURAL_LANGUAGE, "fr"),
            Attribute.of("printer-uri", ValueTag.URI, f"ipp://testserver/ipp/print/{slug}"),
            *attributes,
        ),
    )
    return encode(Message((2, 0), operation, 1, (group,)))


def timed(function, rounds: int) -> list[float]:
    durations = []
    for _round in range(rounds):
        start = time.perf_counter()
        function()
        durations.append(time.perf_counter() - start)
    return durations


def post(client: Client, slug: str, body: bytes) -> Message:
    response = client.post(
        reverse("printing:ipp", args=[slug]),
        data=body,
        content_type="application/ipp",
        HTTP_AUTHORIZATION="Basic " + base64.b64encode(f"bench:{SECRET}".encode()).decode(),
    )
    message = decode(response.content)
    assert response.status_code == 200 and message.code == Status.SUCCESSFUL_OK, message.code  # nosec B101  # the benchmark's own check, run by hand
    return message


def professional_with_patients(count: int) -> User:
    professional = accounts.professional_sign_up(
        email="pro@bench.example.org",
        phone=None,
        password="bench-password-2026",  # nosec B106  # a throw-away benchmark account
        first_name="Paul",
        last_name="Bench",
        profession="doctor",
    )
    patients = User.objects.bulk_create(
        User(
            role=Role.PATIENT,
            email=f"patient{number}@bench.example.org",
            first_name=f"Prénom{number}",
            last_name=f"Nom{number}",
            password=make_password(None),  # unusable: these patients never sign in
        )
        for number in range(count)
    )
    PatientProfile.objects.bulk_create(
        PatientProfile(user=patient, birth_date=date(1940 + number % 60, 1 + number % 12, 1 + number % 28))
        for number, patient in enumerate(patients)
    )
    Grant.objects.bulk_create(
        Grant(
            patient=patient,
            professional=professional,
            scope=Scope.ALL,
            permission=Permission.CONTRIBUTE,
            created_by=patient,
            origin=GrantOrigin.PATIENT,
        )
        for patient in patients
    )
    return professional


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--patients", type=int, default=2000)
    options = parser.parse_args()

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        professional = professional_with_patients(options.patients)
        printer, _secret = printer_ensure(owner=professional, slug="bench", secret=SECRET)
        client = Client()
        one_page, scan = pdf(1), scanned_pdf(5)
        job_name = Attribute.of("job-name", ValueTag.NAME, "Ordonnance")
        pdf_format = Attribute.of("document-format", ValueTag.MIME_MEDIA_TYPE, "application/pdf")

        attributes = timed(
            lambda: post(client, "bench", ipp(Operation.GET_PRINTER_ATTRIBUTES, slug="bench")), options.rounds
        )
        print_one = timed(
            lambda: post(client, "bench", ipp(Operation.PRINT_JOB, job_name, pdf_format, slug="bench") + one_page),
            options.rounds,
        )
        print_scan = timed(
            lambda: post(client, "bench", ipp(Operation.PRINT_JOB, job_name, pdf_format, slug="bench") + scan),
            max(5, options.rounds // 5),
        )
        assert PrintJob.objects.filter(printer=printer).count() == options.rounds + max(5, options.rounds // 5)  # nosec B101  # the benchmark's own check, run by hand

        target = User.objects.get(email=f"patient{options.patients // 2}@bench.example.org")
        text = (
            f"Dr Paul Bench\nMme {target.last_name.upper()} {target.first_name}\n"
            f"née le {target.patient_profile.birth_date:%d/%m/%Y}\nDOLIPRANE 1000 mg\n"
        )
        proposals = timed(lambda: propose_patient(professional=professional, text=text), 20)
        assert propose_patient(professional=professional, text=text).patient == target  # nosec B101  # the benchmark's own check, run by hand

        megabytes = len(scan) / 1024 / 1024
        print(f"Database: {connection.vendor}; {options.patients} patients in the professional's care")
        print(f"Get-Printer-Attributes (authenticated): median {statistics.median(attributes) * 1000:.1f} ms")
        print(
            f"Print-Job, 1-page PDF ({len(one_page) // 1024} KB): median {statistics.median(print_one) * 1000:.1f} ms"
        )
        scan_seconds = statistics.median(print_scan)
        print(
            f"Print-Job, 5-page scanned PDF ({megabytes:.1f} MB): "
            f"median {scan_seconds * 1000:.1f} ms, {megabytes / scan_seconds:.1f} MB/s"
        )
        print(
            f"Proposing the patient (name + birth date among {options.patients}): "
            f"median {statistics.median(proposals) * 1000:.1f} ms"
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
