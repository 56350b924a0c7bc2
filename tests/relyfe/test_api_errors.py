"""Every error of the REST API has one shape, {"code", "detail", "fields"} (relyfe/api_errors.py), whatever
raised it, and the OpenAPI schema documents it on every operation. Each case goes through a real endpoint."""

import datetime
import json
import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from access.models import Permission, Scope
from printing.services import printer_ensure
from sharing import services as sharing
from tests.factories import PASSWORD, HealthRecordFactory, MedicationFactory, TreatmentFactory
from tests.files import TEST_DATA, pdf_bytes
from treatments.serializers import CLOCK_TIME_PATTERN, HOUR_MINUTE_PATTERN

pytestmark = pytest.mark.django_db

ERROR_STATUSES = {"400", "401", "403", "404", "429"}


def client_of(user=None, language="en") -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        client.force_authenticate(user)
    return client


# Validation --------------------------------------------------------------------------------------------------------


def test_invalid_fields_are_listed_by_field_with_their_messages(alice):
    response = client_of(alice).patch(
        reverse("api:reminder-settings"), {"snooze_minutes": 1, "morning_at": "25:00"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "detail": "Some fields are not valid: see each field's errors.",
        "fields": {
            "morning_at": ["Time has wrong format. Use one of these formats instead: hh:mm, hh:mm:ss."],
            "snooze_minutes": ["Ensure this value is greater than or equal to 5."],
        },
    }


def test_an_invalid_value_inside_a_list_is_named_by_its_position(alice):
    treatment = TreatmentFactory(patient=alice, start_date=datetime.date(2026, 2, 1))

    response = client_of(alice).post(
        reverse("api:treatment-medications", args=[treatment.public_id]),
        {"name": "DOLIPRANE", "times": ["08:00", "25:00"]},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {"times.1": ["Write times as HH:MM."]}


def test_the_detail_is_in_the_language_of_the_request(alice):
    response = client_of(alice, language="fr").patch(
        reverse("api:reminder-settings"), {"snooze_minutes": 1}, format="json"
    )

    assert response.json()["detail"] == "Certains champs ne sont pas valides : voyez les erreurs de chaque champ."


def test_a_django_validation_error_raised_by_a_service_has_the_same_shape_with_its_code(alice):
    treatment = TreatmentFactory(patient=alice, start_date=datetime.date(2026, 2, 1))

    # The serializer accepts a medication without a schedule; the service refuses it.
    response = client_of(alice).post(
        reverse("api:treatment-medications", args=[treatment.public_id]), {"name": "DOLIPRANE"}, format="json"
    )

    message = "Choose when to take it (a moment of the day or a time), or mark it as needed."
    assert response.status_code == 400
    assert response.json() == {"code": "no_schedule", "detail": message, "fields": {"non_field_errors": [message]}}


def test_a_malformed_json_body_is_a_parse_error(alice):
    response = client_of(alice).generic(
        "POST", reverse("api:doses"), '{"medication": ', content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error" and response.json()["fields"] == {}
    assert response.json()["detail"].startswith("JSON parse error")


# Enum query parameters ---------------------------------------------------------------------------------------------


def test_an_unknown_value_of_an_enum_query_parameter_is_refused(alice):
    HealthRecordFactory(patient=alice)
    url = reverse("api:patient-records", args=[alice.public_id])

    wrong_kind = client_of(alice).get(url, {"kind": "horoscope"})
    wrong_flag = client_of(alice).get(url, {"archived": "perhaps"})
    wrong_profession = client_of(alice).get(reverse("api:directory"), {"profession": "astronaut"})
    right = client_of(alice).get(url, {"kind": "prescription", "archived": "false"})

    assert wrong_kind.status_code == 400
    assert wrong_kind.json() == {
        "code": "invalid",
        "detail": "Some fields are not valid: see each field's errors.",
        "fields": {"kind": ['"horoscope" is not a valid choice.']},
    }
    assert wrong_flag.status_code == 400 and list(wrong_flag.json()["fields"]) == ["archived"]
    assert wrong_profession.status_code == 400 and list(wrong_profession.json()["fields"]) == ["profession"]
    assert right.status_code == 200


# Authentication and permission -------------------------------------------------------------------------------------


def test_without_a_token_the_answer_is_401_and_says_which_scheme_to_use(alice):
    response = client_of().get(reverse("api:me"))

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {
        "code": "not_authenticated",
        "detail": "Authentication credentials were not provided.",
        "fields": {},
    }


def test_a_wrong_token_is_401_authentication_failed():
    client = client_of()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    response = client.get(reverse("api:me"))

    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"
    assert response.json() == {"code": "authentication_failed", "detail": "Invalid token.", "fields": {}}


def test_a_permission_refused_is_403_with_its_reason(alice):
    response = client_of(alice).get(reverse("api:print-jobs"))

    assert response.status_code == 403
    assert response.json() == {
        "code": "permission_denied",
        "detail": "The print inbox is for professionals.",
        "fields": {},
    }


def test_an_unknown_id_and_a_hidden_one_are_the_same_404(alice, dave):
    hidden = HealthRecordFactory(patient=dave)

    unknown = client_of(alice).get(reverse("api:record", args=[uuid.uuid4()]))
    not_hers = client_of(alice).get(reverse("api:record", args=[hidden.public_id]))

    assert unknown.status_code == not_hers.status_code == 404
    assert unknown.json() == not_hers.json() == {"code": "not_found", "detail": "Not found.", "fields": {}}


def test_a_dose_of_another_patient_is_concealed_by_the_service_as_a_404(alice, bob):
    """intake_answer raises Concealed (a DomainError and an Http404): the view has nothing to catch."""
    treatment = TreatmentFactory(patient=alice, start_date=datetime.date.today())
    medication = MedicationFactory(treatment=treatment, morning=True)
    sharing.grant_give(actor=alice, professional=bob, scope=Scope.ALL, permission=Permission.CONTRIBUTE)

    response = client_of(bob).post(
        reverse("api:doses"),
        {
            "medication": str(medication.public_id),
            "local_date": str(datetime.date.today()),
            "moment": "morning",
            "answer": "taken",
        },
        format="json",
    )

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Not found.", "fields": {}}


# Throttling --------------------------------------------------------------------------------------------------------


def test_too_many_failed_sign_ins_are_429_with_retry_after_and_wait(alice, settings):
    client = client_of()
    wrong = client.post(reverse("api:token"), {"identifier": "alice@example.org", "password": "wrong"})
    for _attempt in range(settings.LOGIN_FAILURES_PER_ACCOUNT - 1):
        client.post(reverse("api:token"), {"identifier": "alice@example.org", "password": "wrong"})

    locked = client.post(reverse("api:token"), {"identifier": "alice@example.org", "password": PASSWORD})

    # Past the free failures, each further one makes the next attempt wait LOGIN_FIRST_DELAY, doubling.
    wait = int(settings.LOGIN_FIRST_DELAY.total_seconds())
    assert wrong.status_code == 400
    assert wrong.json() == {"code": "wrong_credentials", "detail": "Wrong identifier or password.", "fields": {}}
    assert locked.status_code == 429
    assert locked["Retry-After"] == str(wait)
    assert locked.json() == {
        "code": "throttled",
        "detail": f"Too many failed attempts on this account. Try again in {wait} seconds.",
        "fields": {},
        "wait": wait,
    }


# Domain errors -----------------------------------------------------------------------------------------------------


def test_a_domain_error_raised_by_a_service_answers_its_code_and_status(alice):
    photo = SimpleUploadedFile("face.jpg", (TEST_DATA / "faces" / "obama_1.jpg").read_bytes())

    response = client_of(alice).post(reverse("api:faces", args=[alice.public_id]), {"image": photo})

    assert response.status_code == 403
    assert response.json() == {
        "code": "no_consent",
        "detail": "The patient has not consented to face identification.",
        "fields": {},
    }


def test_a_photo_the_face_engine_cannot_use_is_a_domain_error_with_its_code(alice):
    not_a_photo = SimpleUploadedFile("face.jpg", b"not an image at all")
    assert client_of(alice).post(reverse("api:face-consent", args=[alice.public_id])).status_code == 201

    response = client_of(alice).post(reverse("api:faces", args=[alice.public_id]), {"image": not_a_photo})

    assert response.status_code == 400
    assert response.json()["code"] == "not_an_image"
    assert response.json()["detail"] and response.json()["fields"] == {}


def test_a_switched_off_printer_is_refused_with_its_code(bob):
    printer, _secret = printer_ensure(owner=bob)
    printer.is_active = False
    printer.save()

    response = client_of(bob).post(
        reverse("api:print-jobs"), {"file": SimpleUploadedFile("a.pdf", pdf_bytes())}, format="multipart"
    )

    assert response.status_code == 403
    assert response.json()["code"] == "printer_off"


# HTTP-level errors -------------------------------------------------------------------------------------------------


def test_a_method_the_endpoint_does_not_have_is_405(alice):
    response = client_of(alice).delete(reverse("api:me"))

    assert response.status_code == 405
    assert response.json() == {"code": "method_not_allowed", "detail": 'Method "DELETE" not allowed.', "fields": {}}


def test_a_body_in_a_type_the_endpoint_does_not_read_is_415(bob):
    response = client_of(bob).post(reverse("api:print-jobs"), {"job_name": "x"}, format="json")

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type" and response.json()["fields"] == {}


# The schema --------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def schema(django_db_blocker, tmp_path_factory) -> dict:
    """The schema as `manage.py spectacular --validate --fail-on-warn` writes it: it fails on any warning or
    on a schema that does not validate against the OpenAPI specification."""
    path = tmp_path_factory.mktemp("schema") / "schema.json"
    with django_db_blocker.unblock():
        call_command("spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", "--file", str(path))
    return json.loads(path.read_text())


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def test_the_schema_validates_and_has_the_error_component(schema):
    error = schema["components"]["schemas"]["Error"]

    assert set(error["required"]) == {"code", "detail", "fields"}
    assert error["properties"]["fields"]["additionalProperties"] == {"type": "array", "items": {"type": "string"}}


def test_every_operation_documents_its_errors_with_the_error_shape(schema):
    reference = {"$ref": "#/components/schemas/Error"}
    undocumented, other_shapes = [], []
    for name, operation in operations(schema):
        errors = {status: response for status, response in operation["responses"].items() if status[0] == "4"}
        if not errors:
            undocumented.append(name)
        other_shapes += [
            f"{name} {status}"
            for status, response in errors.items()
            if response.get("content") != {"application/json": {"schema": reference}}
        ]

    assert undocumented == [] and other_shapes == []


def test_the_errors_each_operation_documents_are_those_it_can_answer(schema):
    paths = schema["paths"]

    assert set(paths["/api/v1/me/"]["get"]["responses"]) == {"200", "401", "403"}
    assert set(paths["/api/v1/auth/token/"]["post"]["responses"]) == {"200", "400", "401", "403", "429"}
    assert set(paths["/api/v1/records/{record_id}/"]["patch"]["responses"]) >= ERROR_STATUSES - {"429"}
    assert "Retry-After" in paths["/api/v1/auth/token/"]["post"]["responses"]["429"]["headers"]
    assert "WWW-Authenticate" in paths["/api/v1/me/"]["get"]["responses"]["401"]["headers"]


def test_enum_query_parameters_are_declared_as_enums(schema):
    def parameter(path, name):
        [found] = [p for p in schema["paths"][path]["get"]["parameters"] if p["name"] == name]
        return found["schema"]

    assert "prescription" in parameter("/api/v1/patients/{patient_id}/records/", "kind")["enum"]
    assert parameter("/api/v1/patients/{patient_id}/records/", "archived")["type"] == "boolean"
    assert "doctor" in parameter("/api/v1/directory/", "profession")["enum"]


def test_file_downloads_are_typed_as_binary_with_their_content_types(schema):
    content = schema["paths"]["/api/v1/files/{file_id}/download/"]["get"]["responses"]["200"]["content"]

    assert set(content) == {"application/pdf", "image/jpeg", "image/png", "image/webp"}
    assert all(body["schema"] == {"type": "string", "format": "binary"} for body in content.values())


@pytest.mark.parametrize(
    ("written", "read_back"), [("7:30", "07:30"), ("07:30", "07:30"), ("07:30:00", "07:30"), ("25:00", None)]
)
def test_reminder_times_follow_the_pattern_the_schema_gives(schema, alice, written, read_back):
    pattern = schema["components"]["schemas"]["ReminderSettings"]["properties"]["morning_at"]["pattern"]

    response = client_of(alice).patch(reverse("api:reminder-settings"), {"morning_at": written}, format="json")

    assert pattern == HOUR_MINUTE_PATTERN
    assert (response.status_code == 200) == bool(re.search(pattern, written))
    if read_back:
        assert response.json()["morning_at"] == read_back and re.search(pattern, read_back)


@pytest.mark.parametrize(
    ("written", "read_back"), [("8", "08:00"), ("8h30", "08:30"), ("08:30", "08:30"), ("8:7", None), ("24:00", None)]
)
def test_medication_times_follow_the_pattern_the_schema_gives(schema, alice, written, read_back):
    pattern = schema["components"]["schemas"]["Medication"]["properties"]["times"]["items"]["pattern"]
    treatment = TreatmentFactory(patient=alice, start_date=datetime.date(2026, 2, 1))

    response = client_of(alice).post(
        reverse("api:treatment-medications", args=[treatment.public_id]),
        {"name": "DOLIPRANE", "times": [written]},
        format="json",
    )

    assert pattern == CLOCK_TIME_PATTERN
    assert (response.status_code == 201) == bool(re.search(pattern, written))
    if read_back:
        assert response.json()["times"] == [read_back] and re.search(pattern, read_back)
