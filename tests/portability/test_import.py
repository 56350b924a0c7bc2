"""Importing a FHIR Bundle: upload, reading by the worker, review, confirmation, and every refusal."""

import base64
import io
import json
import os
import uuid
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from fhir.resources.R4B.allergyintolerance import AllergyIntolerance
from fhir.resources.R4B.documentreference import DocumentReference

from audit.models import AccessEvent
from health_records.models import HealthRecord
from portability import import_services
from portability.import_models import ImportFile, ImportJob
from portability.import_views import ImportReviewForm
from sharing import services as sharing
from tests.factories import HealthRecordFactory
from tests.files import TEST_DATA, jpeg_bytes, pdf_bytes
from treatments.models import Medication, Treatment

pytestmark = pytest.mark.django_db

KIND_SYSTEM = "https://relyfe.fr/fhir/record-kind"
CIS_SYSTEM = "https://smt.esante.gouv.fr/terminologie-cis"


def bundle(*resources, bundle_type="collection") -> dict:
    return {
        "resourceType": "Bundle",
        "type": bundle_type,
        "entry": [{"fullUrl": f"urn:uuid:{uuid.uuid4()}", "resource": resource} for resource in resources],
    }


def document(title="Bilan sanguin", kind="lab_result", date="2025-11-04T09:30:00+01:00", attachments=()) -> dict:
    # Built with the R4B class, as another portal's exporter would.
    return DocumentReference.model_validate(
        {
            "resourceType": "DocumentReference",
            "status": "current",
            "type": {"coding": [{"system": KIND_SYSTEM, "code": kind}]},
            "date": date,
            "description": title,
            "content": [{"attachment": attachment} for attachment in attachments] or [{"attachment": {"url": "x"}}],
        }
    ).model_dump(mode="json", exclude_none=True)


def inline(content: bytes, title: str, content_type="application/pdf") -> dict:
    return {"contentType": content_type, "data": base64.b64encode(content).decode(), "title": title}


def medication_request(name, *, dosage, group="T1", cis=None, authored="2026-01-10", requester="Dr Bob Bernard"):
    concept = {"text": name}
    if cis:
        concept["coding"] = [{"system": CIS_SYSTEM, "code": cis, "display": name}]
    return {
        "resourceType": "MedicationRequest",
        "status": "active",
        "intent": "order",
        "subject": {"reference": "Patient/p1"},
        "groupIdentifier": {"system": "https://relyfe.fr/fhir/treatment", "value": group},
        "authoredOn": authored,
        "requester": {"display": requester},
        "reasonCode": [{"text": "Angine"}],
        "medicationCodeableConcept": concept,
        "dosageInstruction": [dosage],
    }


def allergy(text: str) -> dict:
    return AllergyIntolerance.model_validate(
        {"resourceType": "AllergyIntolerance", "patient": {"reference": "Patient/p1"}, "code": {"text": text}}
    ).model_dump(mode="json", exclude_none=True)


def json_file(data, name="export.json") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, json.dumps(data).encode())


def zip_file(members: dict[str, bytes], name="relyfe-export.zip") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, content in members.items():
            archive.writestr(member, content)
    return SimpleUploadedFile(name, buffer.getvalue())


def upload(client, patient, file):
    client.force_login(patient)
    return client.post(reverse("portability:import_upload"), {"file": file})


def upload_and_read(client, patient, file) -> ImportJob:
    """The upload, then the worker's part (the task takes the job's id and calls this)."""
    response = upload(client, patient, file)
    assert response.status_code == 302, response.content.decode()[:2000]
    job = ImportJob.objects.get(patient=patient, status=ImportJob.Status.UPLOADED)
    import_services.import_job_run(job_id=job.pk)
    job.refresh_from_db()
    return job


def review_form_data(job: ImportJob, **changes) -> dict:
    """What the review page sends when the patient changes nothing but `changes`."""
    form = ImportReviewForm(job.proposal)
    data = {}
    for name, field in form.fields.items():
        value = changes.get(name, field.initial)
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = value
    return data


def confirm(client, job, **changes):
    return client.post(reverse("portability:import_job", args=[job.public_id]), review_form_data(job, **changes))


def test_a_bundle_with_inline_files_becomes_records_once_the_patient_confirms(client, alice):
    data = bundle(
        document("Bilan sanguin", "lab_result", attachments=[inline(pdf_bytes(), "bilan.pdf")]),
        document("Radio du genou", "imaging", "2025-06-01T10:00:00Z", [inline(jpeg_bytes(), "genou.jpg")]),
    )

    job = upload_and_read(client, alice, json_file(data))

    assert job.status == ImportJob.Status.READY
    assert HealthRecord.objects.filter(patient=alice).count() == 0  # nothing before the review
    page = client.get(reverse("portability:import_job", args=[job.public_id])).content.decode()
    assert "Bilan sanguin" in page and "bilan.pdf" in page and "genou.jpg" in page

    response = confirm(client, job)

    assert response.status_code == 302
    records = {record.title: record for record in HealthRecord.objects.filter(patient=alice)}
    assert set(records) == {"Bilan sanguin", "Radio du genou"}
    assert records["Radio du genou"].kind == "imaging"
    assert str(records["Radio du genou"].clinical_date) == "2025-06-01"
    assert records["Bilan sanguin"].author == alice
    assert [file.original_name for file in records["Bilan sanguin"].files.all()] == ["bilan.pdf"]
    assert records["Radio du genou"].files.get().content_type == "image/jpeg"
    assert AccessEvent.objects.filter(patient=alice, object_type="health_record", action="create").count() == 2
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CONFIRMED and job.counts["records"] == 2
    assert not job.file and not ImportFile.objects.exists()  # the upload is not kept once imported


def test_the_review_edits_and_unticks_what_is_imported(client, alice):
    data = bundle(document("Bilan", "lab_result"), document("Note du kiné", "note"))
    job = upload_and_read(client, alice, json_file(data))

    confirm(
        client,
        job,
        **{"r0-title": "Bilan lipidique", "r0-kind": "medical_report", "r0-date": "2025-01-02"},
        **{"r1-selected": False},
    )

    record = HealthRecord.objects.get(patient=alice)
    assert (record.title, record.kind, str(record.clinical_date)) == ("Bilan lipidique", "medical_report", "2025-01-02")


def test_the_export_zip_brings_its_files_and_lists_the_ones_it_only_links_to(client, alice):
    data = bundle(
        document(
            "Compte rendu",
            "medical_report",
            attachments=[
                {"contentType": "application/pdf", "url": "files/r1/compte-rendu.pdf", "title": "compte-rendu.pdf"},
                {"contentType": "application/pdf", "url": "https://autre-portail.example/binaries/42"},
            ],
        )
    )

    job = upload_and_read(
        client, alice, zip_file({"bundle.json": json.dumps(data).encode(), "files/r1/compte-rendu.pdf": pdf_bytes()})
    )

    page = client.get(reverse("portability:import_job", args=[job.public_id])).content.decode()
    assert "compte-rendu.pdf" in page
    assert "Fichier non inclus : https://autre-portail.example/binaries/42" in page
    confirm(client, job)
    record = HealthRecord.objects.get(patient=alice)
    assert [file.original_name for file in record.files.all()] == ["compte-rendu.pdf"]


def test_a_file_that_fails_the_upload_checks_is_left_out_and_said_so(client, alice):
    data = bundle(document("Scan", attachments=[inline(b"MZ\x90\x00 not a document", "virus.exe")]))

    job = upload_and_read(client, alice, json_file(data))

    page = client.get(reverse("portability:import_job", args=[job.public_id])).content.decode()
    assert "virus.exe" in page and "Ce type de fichier n’est pas accepté" in page
    confirm(client, job)
    assert HealthRecord.objects.get(patient=alice).files.count() == 0


def test_medications_with_every_kind_of_timing_become_one_treatment_per_group(client, alice):
    data = bundle(
        medication_request(
            "DOLIPRANE 1000 mg",
            cis="60234100",
            dosage={
                "text": "1 comprimé matin, midi et soir pendant 5 jours",
                "timing": {"repeat": {"when": ["MORN", "NOON", "EVE"], "boundsDuration": {"value": 5, "code": "d"}}},
                "doseAndRate": [{"doseQuantity": {"value": 1, "unit": "comprimé"}}],
            },
        ),
        medication_request(
            "AMOXICILLINE 1 g",
            dosage={"timing": {"repeat": {"when": ["MORN.early", "ACV", "HS"]}}},
        ),
        medication_request(
            "LEVOTHYROX 75 µg",
            group="T2",
            dosage={
                "timing": {
                    "repeat": {
                        "timeOfDay": ["07:30:00"],
                        "dayOfWeek": ["mon", "thu"],
                        "boundsPeriod": {"start": "2026-01-12", "end": "2026-03-12"},
                    }
                },
                "doseAndRate": [{"doseQuantity": {"value": 0.5, "unit": "comprimé"}}],
            },
        ),
        medication_request("SPASFON", group="T2", dosage={"asNeededBoolean": True, "text": "si douleurs"}),
        medication_request("VENTOLINE", group="T2", dosage={"text": "selon besoin"}),
    )
    job = upload_and_read(client, alice, json_file(data))

    treatments = job.proposal["treatments"]
    assert len(treatments) == 2
    lines = {line["name"]: line for treatment in treatments for line in treatment["medications"]}
    doliprane = lines["DOLIPRANE 1000 mg"]
    assert (doliprane["morning"], doliprane["noon"], doliprane["evening"], doliprane["bedtime"]) == (
        True,
        True,
        True,
        False,
    )
    assert (doliprane["start_date"], doliprane["end_date"]) == ("2026-01-10", "2026-01-14")
    assert doliprane["cis"] == "60234100"
    amoxicilline = lines["AMOXICILLINE 1 g"]
    assert [amoxicilline[moment] for moment in ("morning", "noon", "evening", "bedtime")] == [True, False, True, True]
    levothyrox = lines["LEVOTHYROX 75 µg"]
    assert (levothyrox["times"], levothyrox["weekdays"], levothyrox["dose"]) == (["07:30"], [0, 3], "0.5")
    assert (levothyrox["start_date"], levothyrox["end_date"]) == ("2026-01-12", "2026-03-12")
    assert lines["SPASFON"]["as_needed"] and lines["SPASFON"]["instructions"] == "si douleurs"
    assert lines["VENTOLINE"]["as_needed"] and lines["VENTOLINE"]["unscheduled"]

    confirm(client, job, **{"t0m1-name": "AMOXICILLINE 1 g, gélule", "t0m1-bedtime": False})

    angine = Treatment.objects.get(patient=alice, medications__name="DOLIPRANE 1000 mg")
    assert (angine.title, angine.prescriber_name, str(angine.start_date)) == ("Angine", "Dr Bob Bernard", "2026-01-10")
    assert angine.created_by == alice
    amoxicilline = Medication.objects.get(name="AMOXICILLINE 1 g, gélule")
    assert amoxicilline.moments == ["morning", "evening"]
    assert Medication.objects.get(name="LEVOTHYROX 75 µg").times == ["07:30"]
    assert Medication.objects.filter(treatment__patient=alice).count() == 5
    assert AccessEvent.objects.filter(patient=alice, object_type="medication", action="create").count() == 5


def test_allergies_are_proposed_for_the_emergency_profile_unless_already_there(client, alice):
    profile = sharing.emergency_profile_ensure(patient=alice)
    sharing.emergency_profile_update(
        actor=alice, profile=profile, fields={"allergies": "Arachide"}, visible_sections=["allergies"]
    )
    data = bundle(allergy("Pénicilline"), allergy("arachide"))

    job = upload_and_read(client, alice, json_file(data))

    assert [item["text"] for item in job.proposal["allergies"]] == ["Pénicilline"]
    confirm(client, job)
    profile.refresh_from_db()
    assert profile.allergies == "Arachide\nPénicilline"
    assert profile.visible_sections == ["allergies"]


def test_resources_not_imported_are_counted_on_the_review(client, alice):
    observation = {"resourceType": "Observation", "status": "final", "code": {"text": "Glycémie"}}
    data = bundle(document(), observation, observation, observation, {"resourceType": "Encounter", "status": "x"})

    job = upload_and_read(client, alice, json_file(data))

    assert job.proposal["ignored"] == {"Encounter": 1, "Observation": 3}
    page = client.get(reverse("portability:import_job", args=[job.public_id])).content.decode()
    assert "4 éléments non importés : 1 Encounter, 3 Observation." in page


def test_a_bundle_from_another_portal_is_read(client, alice):
    content = (Path(TEST_DATA) / "fhir" / "other_portal_bundle.json").read_bytes()

    job = upload_and_read(client, alice, SimpleUploadedFile("portail.json", content))

    assert [(record["kind"], record["title"]) for record in job.proposal["records"]] == [
        ("lab_result", "Bilan sanguin annuel"),
        ("imaging", "Compte rendu d'IRM du genou"),
    ]
    assert job.proposal["records"][0]["missing_files"] == ["https://portail.example/binaries/b1"]
    [treatment] = job.proposal["treatments"]
    assert treatment["prescriber_name"] == "Dr Claire Dubois"
    assert treatment["medications"][0]["morning"] and treatment["medications"][0]["evening"]
    assert job.proposal["allergies"][0]["text"] == "Pénicilline (urticaire)"
    assert job.proposal["ignored"] == {"Encounter": 1, "Observation": 2, "Patient": 1}
    confirm(client, job)
    assert Treatment.objects.get(patient=alice).end_date.isoformat() == "2025-11-10"


def test_a_record_already_in_the_file_is_marked_and_left_unticked(client, alice):
    HealthRecordFactory(patient=alice, kind="lab_result", title="Bilan sanguin", clinical_date="2025-11-04")
    job = upload_and_read(client, alice, json_file(bundle(document("bilan sanguin"), document("Autre bilan"))))

    page = client.get(reverse("portability:import_job", args=[job.public_id])).content.decode()

    assert job.proposal["records"][0]["duplicate"] and not job.proposal["records"][0]["selected"]
    assert "déjà dans votre dossier" in page
    confirm(client, job)
    assert HealthRecord.objects.filter(patient=alice).count() == 2


def test_confirming_twice_creates_nothing_more(client, alice):
    job = upload_and_read(client, alice, json_file(bundle(document(), medication_request("DOLIPRANE", dosage={}))))
    data = review_form_data(job)
    url = reverse("portability:import_job", args=[job.public_id])

    client.post(url, data)
    second = client.post(url, data)

    assert second.status_code == 200
    assert HealthRecord.objects.filter(patient=alice).count() == 1
    assert Treatment.objects.filter(patient=alice).count() == 1
    assert import_services.import_job_confirm(actor=alice, job=job, edits={}) == {
        "records": 1,
        "treatments": 1,
        "medications": 1,
        "allergies": 0,
    }
    assert HealthRecord.objects.filter(patient=alice).count() == 1


def test_the_page_follows_the_reading_and_reloads_when_it_is_done(client, alice):
    upload(client, alice, json_file(bundle(document())))
    job = ImportJob.objects.get()
    status_url = reverse("portability:import_status", args=[job.public_id])

    waiting = client.get(status_url, headers={"HX-Request": "true"})
    import_services.import_job_run(job_id=job.pk)
    done = client.get(status_url, headers={"HX-Request": "true"})

    assert 'hx-trigger="every 2s"' in waiting.content.decode()
    assert "<progress" in waiting.content.decode()
    assert done.status_code == 204 and done["HX-Refresh"] == "true"


def test_reading_twice_keeps_one_proposal(client, alice):
    upload(client, alice, json_file(bundle(document(attachments=[inline(pdf_bytes(), "a.pdf")]))))
    job = ImportJob.objects.get()

    import_services.import_job_run(job_id=job.pk)
    import_services.import_job_run(job_id=job.pk)

    assert ImportFile.objects.filter(job=job).count() == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "ni un Bundle FHIR en JSON ni un export ZIP"),
        (json.dumps({"resourceType": "Patient"}).encode(), "n’est pas un Bundle FHIR R4 valide"),
        (
            json.dumps(bundle({"resourceType": "MedicationRequest", "status": "active", "intent": "order"})).encode(),
            "n’est pas un Bundle FHIR R4 valide : entry.0.resource.subject : Field required",
        ),
        (json.dumps(bundle(bundle_type="message")).encode(), "n’est pas un Bundle FHIR R4 valide"),
    ],
    ids=["invalid-json", "not-a-bundle", "invalid-resource", "message-bundle"],
)
def test_a_file_that_is_not_a_valid_bundle_fails_with_the_reason(client, alice, content, message):
    job = upload_and_read(client, alice, SimpleUploadedFile("export.json", content))

    page = client.get(reverse("portability:import_job", args=[job.public_id])).content.decode()

    assert job.status == ImportJob.Status.FAILED
    assert message in page


def big_json() -> SimpleUploadedFile:
    return json_file(bundle(document(attachments=[inline(os.urandom(1_100_000), "gros.pdf")])))


def bomb_zip() -> SimpleUploadedFile:
    return zip_file({"bundle.json": json.dumps(bundle()).encode(), "files/zeros.bin": b"\0" * 5_000_000})


def traversal_zip() -> SimpleUploadedFile:
    return zip_file({"bundle.json": json.dumps(bundle()).encode(), "../../etc/cron.d/x": b"* * * * * root id"})


@pytest.mark.parametrize(
    ("make_file", "status", "message"),
    [
        (big_json, 413, "dépasse 1 Mo"),
        (bomb_zip, 400, "se décompresse en bien plus"),
        (traversal_zip, 400, "hors de son propre dossier"),
        (lambda: zip_file({"data.json": b"{}"}), 400, "pas de bundle.json"),
        (lambda: SimpleUploadedFile("x.zip", b"PK\x03\x04broken"), 400, "est endommagé"),
    ],
    ids=["too-big", "zip-bomb", "path-traversal", "zip-without-bundle", "broken-zip"],
)
def test_a_file_refused_at_upload_says_why_and_keeps_nothing(client, alice, settings, make_file, status, message):
    settings.IMPORT_MAX_BYTES = 1024 * 1024

    response = upload(client, alice, make_file())

    assert response.status_code == status
    assert message in response.content.decode()
    assert not ImportJob.objects.exists()


def test_cancel_discards_the_job_and_its_files(client, alice, django_capture_on_commit_callbacks):
    job = upload_and_read(client, alice, json_file(bundle(document(attachments=[inline(pdf_bytes(), "a.pdf")]))))
    stored = [job.file.path, *(kept.file.path for kept in job.files.all())]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("portability:import_cancel", args=[job.public_id]))

    assert response.status_code == 302
    assert not ImportJob.objects.exists() and not ImportFile.objects.exists()
    assert not any(Path(path).exists() for path in stored)
    assert not HealthRecord.objects.filter(patient=alice).exists()


def test_only_the_patient_reaches_their_import(client, alice, dave, bob_sees_alice, bob):
    job = upload_and_read(client, alice, json_file(bundle(document())))
    for intruder in (dave, bob):
        client.force_login(intruder)
        for name in ("portability:import_job", "portability:import_status"):
            assert client.get(reverse(name, args=[job.public_id])).status_code == 404
        assert client.post(reverse("portability:import_cancel", args=[job.public_id])).status_code == 404
        assert client.post(reverse("portability:import_job", args=[job.public_id]), {}).status_code == 404
        assert client.get(reverse("api:import", args=[job.public_id])).status_code == 404
        assert client.post(reverse("api:import-confirm", args=[job.public_id])).status_code == 404
    assert client.get(reverse("portability:import_upload")).status_code == 404  # bob is no patient
    job.refresh_from_db()
    assert job.status == ImportJob.Status.READY


def test_the_api_uploads_follows_and_confirms_an_import(client, alice):
    client.force_login(alice)
    data = bundle(document("Bilan"), document("Ancien bilan"), allergy("Latex"))

    created = client.post(reverse("api:imports"), {"file": json_file(data)})
    job = ImportJob.objects.get(public_id=created.json()["public_id"])
    import_services.import_job_run(job_id=job.pk)
    read = client.get(reverse("api:import", args=[job.public_id])).json()
    confirmed = client.post(
        reverse("api:import-confirm", args=[job.public_id]),
        {"edits": {"r1": {"selected": False}, "r0": {"title": "Bilan 2025"}}},
        content_type="application/json",
    )

    assert created.status_code == 202 and created.json()["status"] == "uploaded"
    assert read["status"] == "ready" and [record["title"] for record in read["proposal"]["records"]] == [
        "Bilan",
        "Ancien bilan",
    ]
    assert confirmed.status_code == 201
    assert confirmed.json()["counts"] == {"records": 1, "treatments": 0, "medications": 0, "allergies": 1}
    assert list(HealthRecord.objects.filter(patient=alice).values_list("title", flat=True)) == ["Bilan 2025"]


def test_the_api_refuses_a_zip_bomb_with_the_error_shape(client, alice):
    client.force_login(alice)

    response = client.post(reverse("api:imports"), {"file": bomb_zip()})

    assert response.status_code == 400
    assert response.json()["code"] == "zip_bomb"
    assert "se décompresse en bien plus" in response.json()["detail"]


def test_the_media_root_keeps_imports_under_server_made_names(client, alice):
    job = upload_and_read(client, alice, json_file(bundle(document()), name="mon dossier.json"))

    assert job.original_name == "mon dossier.json"
    assert "mon dossier" not in job.file.name and job.file.name.startswith("imports/")
    assert Path(settings.MEDIA_ROOT, job.file.name).exists()
