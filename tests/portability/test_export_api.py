import pytest
from django.urls import reverse

from audit.models import AccessEvent
from audit.models import Action as AuditAction
from portability import fhir_map
from tests.factories import GrantFactory, ProfessionalFactory
from tests.portability.conftest import PROFESSIONALS_ONLY_TEXT


def test_the_patient_gets_their_whole_file_as_a_fhir_bundle(client, alice, rich_file):
    client.force_login(alice)

    response = client.get(reverse("api:me-export"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+json")
    bundle = response.json()
    fhir_map.validated(bundle)
    urls = [
        content["attachment"]["url"]
        for entry in bundle["entry"]
        if entry["resource"]["resourceType"] == "DocumentReference"
        for content in entry["resource"]["content"]
        if "url" in content["attachment"]
    ]
    assert sorted(urls) == sorted(
        f"http://testserver{reverse('api:file-download', args=[record_file.public_id])}"
        for record_file in rich_file["files"]
    )
    assert PROFESSIONALS_ONLY_TEXT not in response.content.decode()
    assert AccessEvent.objects.filter(patient=alice, actor=alice, action=AuditAction.EXPORT).exists()


def test_a_professional_with_the_whole_file_gets_the_patients_bundle(client, alice, bob, rich_file):
    client.force_login(bob)

    response = client.get(reverse("api:patient-export", args=[alice.public_id]), HTTP_ACCEPT="application/fhir+json")

    assert response.status_code == 200
    assert AccessEvent.objects.filter(patient=alice, actor=bob, action=AuditAction.EXPORT).exists()


@pytest.mark.parametrize("who", ["charlie", "dave", "scoped"])
def test_anyone_else_gets_a_404(client, alice, charlie, dave, who):
    scoped = ProfessionalFactory()
    GrantFactory(patient=alice, professional=scoped, kinds=["imaging"])
    client.force_login({"charlie": charlie, "dave": dave, "scoped": scoped}[who])

    response = client.get(reverse("api:patient-export", args=[alice.public_id]))

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_professional_has_no_export_of_their_own(client, bob):
    client.force_login(bob)

    assert client.get(reverse("api:me-export")).status_code == 404


def test_the_schema_documents_the_export(client):
    schema = client.get(reverse("api-schema"), HTTP_ACCEPT="application/json").json()

    operation = schema["paths"]["/api/v1/me/export/"]["get"]
    assert "application/fhir+json" in operation["responses"]["200"]["content"]
    assert "404" in schema["paths"]["/api/v1/patients/{patient_id}/export/"]["get"]["responses"]
