import json

from portability import fhir_map
from portability.export_selectors import export_data
from portability.export_services import file_hashes
from tests.portability.conftest import PROFESSIONALS_ONLY_TEXT


def bundle_of(actor, patient):
    data = export_data(actor=actor, patient=patient)
    return fhir_map.bundle_dict(
        data, file_url=lambda record_file: f"files/{record_file.public_id}", hashes=file_hashes(data.files)
    )


def resources(bundle, kind):
    return [entry["resource"] for entry in bundle["entry"] if entry["resource"]["resourceType"] == kind]


def test_the_bundle_of_a_rich_file_is_valid_fhir_r4(alice, rich_file):
    bundle = bundle_of(alice, alice)

    parsed = fhir_map.validated(bundle)

    assert parsed.type == "collection"
    kinds = {entry.resource.__resource_type__ for entry in parsed.entry}
    assert kinds >= {
        "Patient",
        "DocumentReference",
        "MedicationRequest",
        "MedicationStatement",
        "AllergyIntolerance",
        "Condition",
        "Observation",
        "RelatedPerson",
        "Consent",
        "AuditEvent",
        "Communication",
    }
    assert all(entry["fullUrl"].startswith("urn:uuid:") for entry in bundle["entry"])
    assert len({entry["fullUrl"] for entry in bundle["entry"]}) == len(bundle["entry"])


def test_each_record_is_a_document_reference_with_its_files(alice, rich_file):
    bundle = bundle_of(alice, alice)

    report = next(
        document
        for document in resources(bundle, "DocumentReference")
        if document["identifier"][0]["value"] == str(rich_file["report"].public_id)
    )

    assert report["identifier"][0]["system"] == "https://relyfe.fr/fhir/record"
    coding = report["type"]["coding"][0]
    assert (coding["system"], coding["code"]) == ("https://relyfe.fr/fhir/record-kind", "lab_result")
    assert report["description"] == "Bilan sanguin"
    assert report["date"].startswith(rich_file["report"].clinical_date.isoformat())
    assert [content["attachment"]["title"] for content in report["content"]] == ["../bilan é/2024.pdf", "photo.jpg"]
    assert report["category"][0]["text"] == "cardiologie"
    titles = [document["description"] for document in resources(bundle, "DocumentReference")]
    assert "Radio archivée" in titles  # the patient's export keeps the archived records


def test_medications_carry_every_kind_of_timing(alice, rich_file):
    bundle = bundle_of(alice, alice)

    requests = {
        request["medicationCodeableConcept"]["text"]: request for request in resources(bundle, "MedicationRequest")
    }

    amoxicillin = requests["AMOXICILLINE 1 g"]
    assert amoxicillin["intent"] == "order" and amoxicillin["status"] == "active"
    assert amoxicillin["medicationCodeableConcept"]["coding"] == [
        {"system": "https://smt.esante.gouv.fr/terminologie-cis", "code": "60234100", "display": "AMOXICILLINE 1 g"}
    ]
    assert amoxicillin["requester"] == {"display": "Dr Martin"}
    assert amoxicillin["groupIdentifier"]["system"] == "https://relyfe.fr/fhir/treatment"
    dosage = amoxicillin["dosageInstruction"][0]
    assert dosage["timing"]["repeat"]["when"] == ["MORN", "EVE"]
    assert set(dosage["timing"]["repeat"]["boundsPeriod"]) == {"start", "end"}
    assert dosage["doseAndRate"][0]["doseQuantity"] == {"value": 2, "unit": "comprimé"}
    assert dosage["asNeededBoolean"] is False
    assert "2 comprimés" in dosage["text"]
    assert requests["LEVOTHYROX"]["dosageInstruction"][0]["timing"]["repeat"]["timeOfDay"] == ["07:30:00"]
    assert requests["LEVOTHYROX"]["dosageInstruction"][0]["timing"]["repeat"]["dayOfWeek"] == ["mon", "thu"]
    assert requests["DOLIPRANE"]["dosageInstruction"][0]["asNeededBoolean"] is True
    assert requests["ZOLPIDEM"]["dosageInstruction"][0]["timing"]["repeat"]["when"] == ["NOON", "NIGHT"]
    statements = {
        statement["medicationCodeableConcept"]["text"]: statement
        for statement in resources(bundle, "MedicationStatement")
    }
    assert (
        "2" in statements["AMOXICILLINE 1 g"]["note"][0]["text"]
        and "1" in statements["AMOXICILLINE 1 g"]["note"][0]["text"]
    )


def test_the_emergency_profile_gives_allergies_and_the_rest(alice, rich_file):
    bundle = bundle_of(alice, alice)

    assert [allergy["code"]["text"] for allergy in resources(bundle, "AllergyIntolerance")] == [
        "Pénicilline",
        "arachides",
    ]
    observations = {observation["code"]["text"]: observation for observation in resources(bundle, "Observation")}
    blood = next(observation for observation in observations.values() if "valueCodeableConcept" in observation)
    assert blood["valueCodeableConcept"]["text"] == "O-"
    assert resources(bundle, "RelatedPerson")[0]["name"][0]["text"] == "Paul (frère) 06 12 34 56 78"
    assert resources(bundle, "Patient")[0]["generalPractitioner"] == [{"display": "Dr Martin"}]


def test_grants_links_and_face_consent_are_consents(alice, rich_file):
    bundle = bundle_of(alice, alice)

    kinds = sorted(
        (consent["category"][1]["coding"][0]["code"], consent["status"]) for consent in resources(bundle, "Consent")
    )

    assert kinds == [
        ("face-identification", "active"),
        ("grant", "active"),
        ("grant", "active"),
        ("grant", "inactive"),
        ("share-link", "active"),
    ]


def test_professional_only_comments_never_leave_in_an_export(alice, bob, rich_file):
    for actor in (alice, bob):
        bundle = bundle_of(actor, alice)

        texts = [
            payload["contentString"]
            for communication in resources(bundle, "Communication")
            for payload in communication.get("payload", [])
        ]
        assert sorted(texts) == ["Parfait", "Résultats vus, merci"]
        assert PROFESSIONALS_ONLY_TEXT not in json.dumps(bundle, ensure_ascii=False)


def test_a_reply_points_to_the_comment_it_answers(alice, rich_file):
    bundle = bundle_of(alice, alice)

    reply = next(
        c for c in resources(bundle, "Communication") if c.get("payload", [{}])[0].get("contentString") == "Parfait"
    )

    assert reply["inResponseTo"][0]["reference"].startswith("urn:uuid:")


def test_the_access_log_is_in_the_patients_export_only(alice, bob, rich_file):
    assert resources(bundle_of(alice, alice), "AuditEvent")

    professional_export = bundle_of(bob, alice)

    assert resources(professional_export, "AuditEvent") == []
    assert resources(professional_export, "Consent") == []
    assert "Radio archivée" not in [d["description"] for d in resources(professional_export, "DocumentReference")]
    fhir_map.validated(professional_export)


def test_a_treatment_from_an_e_prescription_gives_its_identifier_to_each_medication_request(alice, rich_file):
    from treatments.models import Treatment

    Treatment.objects.filter(patient=alice, prescriber_name="Dr Martin").update(eprescription_id="2A7F3K9Q1B4D6E8H0J2M")
    bundle = bundle_of(alice, alice)
    fhir_map.validated(bundle)

    requests = {
        request["medicationCodeableConcept"]["text"]: request for request in resources(bundle, "MedicationRequest")
    }
    assert {"system": "https://relyfe.fr/fhir/eprescription", "value": "2A7F3K9Q1B4D6E8H0J2M"} in requests[
        "AMOXICILLINE 1 g"
    ]["identifier"]
    assert requests["AMOXICILLINE 1 g"]["identifier"][0]["system"] == "https://relyfe.fr/fhir/medication"
    others = [
        request
        for request in requests.values()
        if request["groupIdentifier"] != requests["AMOXICILLINE 1 g"]["groupIdentifier"]
    ]
    assert all(len(request["identifier"]) == 1 for request in others)
