import pytest
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from printing import selectors
from printing.services import print_job_set_proposal
from tests.documents.hostile import inflating_pdf
from tests.factories import api_token_for
from tests.files import jpeg_bytes, pdf_bytes, png_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    def client_for(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_for(user)}")
        return client

    return client_for


def send(client, content: bytes, name: str = "ordonnance.pdf", **fields):
    return client.post(reverse("api:print-jobs"), {"file": upload(name, content), **fields}, format="multipart")


def test_software_sends_a_pdf_which_lands_in_the_professionals_inbox(api, bob):
    response = send(api(bob), pdf_bytes(), job_name="Ordonnance Alice Martin")

    assert response.status_code == 201
    body = response.json()
    [job] = selectors.inbox_jobs(user=bob)
    assert body["id"] == str(job.public_id)
    assert (body["number"], body["name"], body["state"]) == (1, "Ordonnance Alice Martin", "completed")
    assert body["proposed_patient"] is None and body["document_count"] == 1
    assert body["inbox_url"] == "http://testserver" + reverse("printing:job", args=[job.public_id])
    assert job.user_name == bob.full_name


def test_a_jpeg_is_accepted_and_the_name_is_optional(api, bob):
    response = send(api(bob), jpeg_bytes(), name="scan.jpg")

    assert response.status_code == 201
    assert response.json()["name"] == ""
    assert selectors.inbox_jobs(user=bob)[0].documents.get().content_type == "image/jpeg"


@pytest.mark.parametrize(
    ("content", "name"), [(b"Doliprane 1000 mg, 3 fois par jour\n", "ordonnance.txt"), (png_bytes(), "scan.png")]
)
def test_a_file_that_is_neither_pdf_nor_jpeg_is_refused(api, bob, content, name):
    response = send(api(bob), content, name=name)

    assert response.status_code == 400
    assert response.json()["fields"]["file"]
    assert selectors.inbox_jobs(user=bob) == []


def test_a_file_over_the_size_limit_is_refused_as_too_large(api, bob, settings):
    settings.UPLOAD_MAX_BYTES = 1000

    response = send(api(bob), pdf_bytes())

    assert response.status_code == 413
    assert response.json()["fields"]["file"] == ["Ce fichier dépasse 0 Mo."]
    assert selectors.inbox_jobs(user=bob) == []


def test_a_pdf_that_inflates_past_the_budget_is_refused_as_too_large(api, bob):
    response = send(api(bob), inflating_pdf(1024 * 1024 * 1024))

    assert response.status_code == 413
    assert response.json()["fields"]["file"]
    assert selectors.inbox_jobs(user=bob) == []


def test_a_request_without_a_file_is_refused(api, bob):
    response = api(bob).post(reverse("api:print-jobs"), {"job_name": "x"}, format="multipart")

    assert response.status_code == 400
    assert "file" in response.json()["fields"]


def test_a_patient_has_no_print_inbox(api, alice):
    assert send(api(alice), pdf_bytes()).status_code == 403
    assert api(alice).get(reverse("api:print-jobs")).status_code == 403


def test_an_anonymous_client_must_authenticate(api):
    assert send(api(), pdf_bytes()).status_code == 401
    assert api().get(reverse("api:print-jobs")).status_code == 401


def test_the_inbox_lists_the_waiting_documents_with_the_proposal_the_professional_may_see(
    api, alice, dave, bob, charlie, bob_sees_alice
):
    client = api(bob)
    for name in ("Pour Alice", "Pour Dave", "Sans patient"):
        send(client, pdf_bytes(), job_name=name)
    send(api(charlie), pdf_bytes(), job_name="Chez Charlie")
    jobs = {job.name: job for job in selectors.inbox_jobs(user=bob)}
    print_job_set_proposal(job=jobs["Pour Alice"], patient=alice, reason="relyfe_id")
    print_job_set_proposal(job=jobs["Pour Dave"], patient=dave, reason="relyfe_id")

    listed = client.get(reverse("api:print-jobs")).json()

    assert [job["name"] for job in listed] == ["Sans patient", "Pour Dave", "Pour Alice"]
    by_name = {job["name"]: job for job in listed}
    assert by_name["Pour Alice"]["proposed_patient"] == {"id": str(alice.public_id), "name": alice.full_name}
    assert by_name["Pour Alice"]["proposal_reason"]
    # Bob has no access to dave's file: ReLyfe must not show that a document names him.
    assert by_name["Pour Dave"]["proposed_patient"] is None
    assert by_name["Sans patient"]["document_count"] == 1


def test_the_openapi_schema_documents_the_print_jobs_endpoint(client, tmp_path):
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()

    operations = schema["paths"]["/api/v1/print-jobs/"]
    assert "multipart/form-data" in operations["post"]["requestBody"]["content"]
    assert set(operations["post"]["responses"]) >= {"201", "400", "403", "413"}
    assert schema["components"]["schemas"]["PrintJob"]["properties"]["proposed_patient"].get("nullable") is True
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
