"""Every patient-level route (patients/<uuid>/...), walked from the URL resolver, for a dependant's file:
their guardian reaches it as the owner would, nobody else does (another patient, a professional without a
grant, an anonymous visitor), nor the former guardian once the dependant took the file over."""

import datetime

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from accounts import dependant_services
from tests.factories import ObservationFactory, PatientFactory, ProfessionalFactory
from tests.test_authorization_matrix import DECISIONS, all_routes, reached

pytestmark = pytest.mark.django_db

PATIENT_ROUTE = "patients/<uuid:patient_id>/"
PATIENT_ROUTES = sorted({name for route, name in all_routes() if PATIENT_ROUTE in route})
# For a professional of the care team, which no patient path opens, the owner's included: proposing a colleague.
NOT_FOR_THE_OWNER_EITHER = {"sharing:propose"}
# The owner's alone: the care team's proposals are answered on the sharing pages, which act on the signed-in
# patient's own file (request.user), out of a guardian's reach today.
OWNER_ONLY = {"api:proposals"}


@pytest.fixture
def world(db):
    paula = PatientFactory(email="paula@example.org", first_name="Paula")
    leo = dependant_services.dependant_create(
        actor=paula, first_name="Léo", last_name="Durand", birth_date=datetime.date(2019, 5, 4), relation="child"
    )
    # A lab value, so that its analyte's page has something to show (it is a 404 without one).
    ObservationFactory(record__patient=leo)
    return {
        "dependant": leo,
        "guardian": paula,
        "another_patient": PatientFactory(email="dave@example.org"),
        "professional_without_grant": ProfessionalFactory(email="charlie@example.org"),
        "anonymous": None,
    }


def reaches(user, name: str, patient) -> bool:
    method, kwargs, _allowed, *data = DECISIONS[name]
    # The patient is the dependant; the route's other parts are literal (an analyte's LOINC code).
    kwargs = {**kwargs, "patient_id": patient.public_id}
    client = Client()
    if user is not None:
        client.force_login(user)
    with transaction.atomic():
        response = getattr(client, method)(reverse(name, kwargs=kwargs), *data)
        transaction.set_rollback(True)
    return reached(response)


def test_the_walk_finds_the_patient_routes():
    assert {"health_records:timeline", "health_records:create", "treatments:patient", "treatments:create"} <= set(
        PATIENT_ROUTES
    )


@pytest.mark.parametrize("name", PATIENT_ROUTES)
def test_the_guardian_reaches_each_patient_route_as_the_owner_would(world, name):
    owner_reaches = reaches(world["dependant"], name, world["dependant"])

    assert reaches(world["guardian"], name, world["dependant"]) == (owner_reaches and name not in OWNER_ONLY)
    assert owner_reaches == (name not in NOT_FOR_THE_OWNER_EITHER)


@pytest.mark.parametrize("name", PATIENT_ROUTES)
@pytest.mark.parametrize("who", ["another_patient", "professional_without_grant", "anonymous"])
def test_nobody_else_reaches_the_dependants_routes(world, name, who):
    assert not reaches(world[who], name, world["dependant"])


def test_the_former_guardian_reaches_no_route_once_the_dependant_took_the_file_over(world):
    leo, paula = world["dependant"], world["guardian"]
    code = dependant_services.dependant_claim_code_issue(actor=paula, dependant=leo)
    Client().post(
        reverse("accounts:claim"),
        {
            "code": code,
            "email": "leo@example.org",
            "phone": "",
            "password1": "x-long-passphrase-1",  # pragma: allowlist secret
            "password2": "x-long-passphrase-1",  # pragma: allowlist secret
        },
    )
    leo.refresh_from_db()
    assert not leo.claim_pending

    assert [name for name in PATIENT_ROUTES if reaches(paula, name, leo)] == []


def test_the_dependants_own_routes_are_for_their_guardian_only(world):
    leo = world["dependant"]
    url = reverse("accounts:dependant_claim_code", args=[leo.public_id])
    for who in ("another_patient", "professional_without_grant", "anonymous"):
        client = Client()
        if world[who] is not None:
            client.force_login(world[who])
        assert not reached(client.post(url)), who
    guardian = Client()
    guardian.force_login(world["guardian"])
    assert guardian.post(url).status_code == 200
