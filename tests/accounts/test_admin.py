import pytest
from django.urls import reverse

from accounts.models import ProfessionalProfile
from tests.factories import PatientFactory, ProfessionalFactory

pytestmark = pytest.mark.django_db


def test_staff_find_users_by_name_email_phone_and_rpps(client, staff, bob, alice):
    PatientFactory(email=None, phone="+33612345678", last_name="Zola")
    client.force_login(staff)
    url = reverse("admin:accounts_user_changelist")

    def found(query):
        return [str(user) for user in client.get(url, {"q": query}).context["cl"].result_list]

    assert found("Zola") and all("Zola" in name for name in found("Zola"))
    assert found("alice@example.org") == [str(alice)]
    assert found("+33612345678") == [str(PatientFactory._meta.model.objects.get(phone="+33612345678"))]
    assert found(bob.professional_profile.rpps) == [str(bob)]


def test_staff_filter_professionals_by_verification_and_verify_them(client, staff, bob, charlie):
    client.force_login(staff)
    changelist = reverse("admin:accounts_professionalprofile_changelist")

    client.post(
        changelist,
        {"action": "verify", "_selected_action": [bob.professional_profile.pk]},
    )

    verified = client.get(changelist, {"verified__exact": "1"}).context["cl"].result_list
    assert [profile.user for profile in verified] == [bob]
    profile = ProfessionalProfile.objects.get(user=bob)
    assert profile.verified_by == staff and profile.verified_at is not None


def test_staff_are_warned_when_an_rpps_fails_its_luhn_key(client, staff):
    professional = ProfessionalFactory(professional_profile__rpps="10003456788")
    client.force_login(staff)

    response = client.get(
        reverse("admin:accounts_professionalprofile_change", args=[professional.professional_profile.pk])
    )

    assert any("10003456788" in str(message) for message in response.context["messages"])


@pytest.mark.parametrize("who", ["alice", "bob"])
def test_patients_and_professionals_have_no_access_to_the_admin(client, who, request):
    client.force_login(request.getfixturevalue(who))

    response = client.get(reverse("admin:accounts_user_changelist"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
