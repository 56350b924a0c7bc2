import pytest
from django.urls import reverse

from tests.factories import ProfessionalFactory

pytestmark = pytest.mark.django_db


def found(client, **query):
    return [user.last_name for user in client.get(reverse("accounts:directory"), query).context["page"].object_list]


def test_members_search_professionals_by_name_profession_specialty_and_city(client, alice):
    ProfessionalFactory(
        last_name="Lefèvre", professional_profile__specialty="Cardiologie", professional_profile__city="Lyon"
    )
    ProfessionalFactory(
        last_name="Nguyen", professional_profile__profession="pharmacist", professional_profile__city="Paris"
    )
    client.force_login(alice)

    assert found(client, q="lefè") == ["Lefèvre"]
    assert found(client, q="cardio") == ["Lefèvre"]
    assert found(client, profession="pharmacist") == ["Nguyen"]
    assert found(client, city="paris") == ["Nguyen"]


def test_the_directory_shows_only_what_each_professional_made_public(client, alice):
    private = ProfessionalFactory(
        last_name="Discret",
        professional_profile__specialty="Psychiatrie",
        professional_profile__city="Nantes",
        professional_profile__practice_phone="+33240000000",
    )
    private.professional_profile.specialty_public = False
    private.professional_profile.city_public = False
    private.professional_profile.save()
    ProfessionalFactory(last_name="Absent").professional_profile.__class__.objects.filter(
        user__last_name="Absent"
    ).update(listed=False)
    client.force_login(alice)

    page = client.get(reverse("accounts:directory")).content.decode()

    assert "Discret" in page and "Absent" not in page
    assert "Psychiatrie" not in page and "Nantes" not in page and "02 40" not in page
    assert found(client, q="psychiatrie") == [] and found(client, city="nantes") == []


def test_verified_professionals_come_first_with_their_badge(client, alice, staff):
    from accounts.services import professionals_verify

    ProfessionalFactory(last_name="Aaron")
    verified = ProfessionalFactory(last_name="Zola")
    professionals_verify(actor=staff, profiles=[verified.professional_profile])
    client.force_login(alice)

    assert found(client) == ["Zola", "Aaron"]


def test_the_directory_is_for_members(client):
    assert client.get(reverse("accounts:directory")).status_code == 302
