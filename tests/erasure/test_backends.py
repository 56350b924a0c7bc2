"""The erasure through the real backends' protocols: S3 (the storage API against moto's local S3 server) and
Rekognition (DeleteFaces, checked against the service model by botocore's Stubber)."""

import uuid

import boto3
import pytest
from botocore.stub import Stubber

from erasure import services
from faces.engine import rekognition
from faces.models import ConsentMethod, FaceConsent, FaceTemplate
from health_records.models import HealthRecord
from tests.erasure.conftest import file_with_thumbnail, stored_keys
from tests.factories import HealthRecordFactory

REGION = "eu-west-3"


def test_the_patients_objects_are_deleted_from_s3_and_no_one_elses(s3, alice, dave, staff):
    alices = stored_keys(
        file_with_thumbnail(HealthRecordFactory(patient=alice)), file_with_thumbnail(HealthRecordFactory(patient=alice))
    )
    daves = stored_keys(file_with_thumbnail(HealthRecordFactory(patient=dave)))
    assert s3.object_keys() == alices | daves

    services.erase_patient(actor=staff, user=alice, reason="Courrier du 3 mars")

    assert s3.object_keys() == daves


@pytest.fixture
def rekognition_client(settings, monkeypatch):
    settings.FACES_REKOGNITION_COLLECTION = "relyfe-test"
    client = boto3.client(
        "rekognition", region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    monkeypatch.setattr(rekognition.boto3, "client", lambda service, region_name: client)
    return client


def test_the_patients_faces_are_deleted_from_the_rekognition_collection(rekognition_client, alice, bob, staff):
    consent = FaceConsent.objects.create(patient=alice, method=ConsentMethod.RECORDED, recorded_by=bob)
    face_ids = [str(uuid.uuid4()), str(uuid.uuid4())]
    for face_id in face_ids:
        FaceTemplate.objects.create(
            patient=alice, consent=consent, backend="rekognition", face_id=face_id, enrolled_by=bob
        )

    in_query_order = list(FaceTemplate.objects.filter(patient=alice).values_list("face_id", flat=True))
    assert sorted(in_query_order) == sorted(face_ids)

    with Stubber(rekognition_client) as stubber:
        stubber.add_response(
            "delete_faces",
            {"DeletedFaces": in_query_order},
            {"CollectionId": "relyfe-test", "FaceIds": in_query_order},
        )
        services.erase_patient(actor=staff, user=alice, reason="Courrier du 3 mars")
        stubber.assert_no_pending_responses()

    assert not FaceTemplate.objects.exists()
    assert not FaceConsent.objects.exists()


def test_when_rekognition_fails_nothing_is_erased_and_the_task_runs_again(rekognition_client, alice, bob, staff):
    consent = FaceConsent.objects.create(patient=alice, method=ConsentMethod.RECORDED, recorded_by=bob)
    FaceTemplate.objects.create(
        patient=alice, consent=consent, backend="rekognition", face_id=str(uuid.uuid4()), enrolled_by=bob
    )
    record = HealthRecordFactory(patient=alice)

    with Stubber(rekognition_client) as stubber:
        stubber.add_client_error("delete_faces", "ThrottlingException", http_status_code=400)
        with pytest.raises(Exception, match="ThrottlingException"):
            services.erase_patient(actor=staff, user=alice, reason="Courrier du 3 mars")

    assert FaceTemplate.objects.filter(patient=alice).exists()
    assert HealthRecord.objects.filter(pk=record.pk).exists()
