import pytest
from django.contrib.admin.models import LogEntry
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from accounts import services
from accounts.models import ProfessionalProfile
from tests.factories import PASSWORD, PatientFactory, ProfessionalFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def english(settings):
    settings.LANGUAGE_CODE = "en"


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


# --- Finding a user by phone ---------------------------------------------------------------------


PHONE_FORMS = ["06 12 34 56 78", "0612345678", "+33 6 12 34 56 78", "0033612345678"]


@pytest.mark.parametrize("written", PHONE_FORMS)
def test_staff_find_a_user_by_phone_written_in_any_national_form(client, staff, written):
    user = PatientFactory(email=None, phone="+33612345678", last_name="Zola")
    client.force_login(staff)

    found = client.get(reverse("admin:accounts_user_changelist"), {"q": written}).context["cl"].result_list

    assert list(found) == [user]


@pytest.mark.parametrize("written", PHONE_FORMS)
def test_staff_find_a_professional_profile_by_phone_in_any_form(client, staff, bob, written):
    professional = ProfessionalFactory(phone="+33612345678")
    client.force_login(staff)

    found = client.get(reverse("admin:accounts_professionalprofile_changelist"), {"q": written}).context["cl"]

    assert [profile.user for profile in found.result_list] == [professional]


def test_a_search_that_is_no_phone_number_still_searches_names(client, staff):
    PatientFactory(email=None, phone="+33612345678", last_name="Zola")
    client.force_login(staff)

    found = client.get(reverse("admin:accounts_user_changelist"), {"q": "06 99"}).context["cl"].result_list

    assert list(found) == []


# --- Verifying without a valid RPPS number ---------------------------------------------------------


def profile_form(profile, **extra):
    """The profile's change form as staff submit it."""
    data = {
        "profession": profile.profession,
        "specialty": profile.specialty,
        "rpps": profile.rpps or "",
        "practice_address": profile.practice_address,
        "city": profile.city,
        "practice_phone": profile.practice_phone,
        "listed": "on",
    }
    return data | extra


@pytest.fixture(params=["no-rpps", "failed-key"])
def unchecked(request):
    rpps = None if request.param == "no-rpps" else "10003456788"
    return ProfessionalFactory(professional_profile__rpps=rpps).professional_profile


def test_the_one_step_verification_skips_a_professional_without_a_valid_rpps(client, english, staff, bob, unchecked):
    client.force_login(staff)

    response = client.post(
        reverse("admin:accounts_professionalprofile_changelist"),
        {"action": "verify", "_selected_action": [unchecked.pk, bob.professional_profile.pk]},
        follow=True,
    )

    unchecked.refresh_from_db()
    bob.professional_profile.refresh_from_db()
    assert bob.professional_profile.verified and not unchecked.verified
    shown = [str(message) for message in response.context["messages"]]
    assert "1 professional verified." in shown
    assert any("1 professional was not verified: no RPPS number" in message for message in shown)


def test_verifying_anyway_needs_a_reason(client, english, staff, unchecked):
    client.force_login(staff)
    url = reverse("admin:accounts_professionalprofile_change", args=[unchecked.pk])

    response = client.post(url, profile_form(unchecked, verify_anyway="on", override_reason="  "))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["override_reason"] == [
        "Say why you verify this professional anyway."
    ]
    unchecked.refresh_from_db()
    assert not unchecked.verified


def test_verifying_anyway_keeps_who_when_and_why_on_the_profile(client, english, staff, unchecked):
    client.force_login(staff)
    url = reverse("admin:accounts_professionalprofile_change", args=[unchecked.pk])
    reason = "Checked in the Order of Physicians' register by phone."

    client.post(url, profile_form(unchecked, verify_anyway="on", override_reason=reason))

    unchecked.refresh_from_db()
    assert unchecked.verified and unchecked.verified_by == staff and unchecked.verified_at is not None
    assert unchecked.verification_override_reason == reason
    page = client.get(url).content.decode()
    assert "without a valid RPPS number" in page and "Checked in the Order of Physicians&#x27; register" in page
    user_page = client.get(reverse("admin:accounts_user_change", args=[unchecked.user.pk])).content.decode()
    assert "without a valid RPPS number" in user_page
    listed = client.get(reverse("admin:accounts_professionalprofile_changelist"), {"verified__exact": "1"})
    assert [profile.pk for profile in listed.context["cl"].result_list] == [unchecked.pk]


def test_verify_anyway_is_not_offered_for_a_valid_rpps(client, staff, bob):
    client.force_login(staff)

    response = client.get(reverse("admin:accounts_professionalprofile_change", args=[bob.professional_profile.pk]))

    assert "verify_anyway" not in response.content.decode()


def test_only_staff_verify_anyway_or_unlock(bob, charlie, unchecked):
    with pytest.raises(PermissionDenied):
        services.professional_verify_anyway(actor=bob, profile=unchecked, reason="trust me")
    with pytest.raises(PermissionDenied):
        services.user_unlock_sign_in(actor=bob, user=charlie)


# --- Unlocking sign-in -----------------------------------------------------------------------------


def fail_to_log_in(client, identifier, times=5):
    for _attempt in range(times):
        client.post(reverse("accounts:login"), {"username": identifier, "password": "wrong-password"})


def log_in(client, identifier):
    return client.post(reverse("accounts:login"), {"username": identifier, "password": PASSWORD})


def test_staff_unlock_a_locked_account_and_its_owner_signs_in_again(client, english, staff):
    owner = PatientFactory(email="owner@example.org", phone="+33612345678")
    fail_to_log_in(client, "owner@example.org", times=3)
    fail_to_log_in(client, "06 12 34 56 78", times=5)
    assert log_in(client, "06 12 34 56 78").context["form"].has_error("__all__", "locked")
    staff_client = Client()
    staff_client.force_login(staff)
    change_page = staff_client.get(reverse("admin:accounts_user_change", args=[owner.pk]))
    assert any("is locked" in str(message) for message in change_page.context["messages"])

    response = staff_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "unlock_sign_in", "_selected_action": [owner.pk]},
        follow=True,
    )

    assert [str(message) for message in response.context["messages"]] == [
        "Sign-in unlocked for 1 account: its owner may sign in again now."
    ]
    assert log_in(client, "06 12 34 56 78").status_code == 302
    history = LogEntry.objects.get(object_id=str(owner.pk))
    assert (history.user, history.change_message) == (staff, "Sign-in unlocked.")


def test_unlocking_keeps_the_lock_of_other_accounts(client, staff, alice, dave):
    fail_to_log_in(client, "alice@example.org")
    fail_to_log_in(client, "dave@example.org")

    services.user_unlock_sign_in(actor=staff, user=alice)

    assert log_in(client, "alice@example.org").status_code == 302
    client.logout()
    assert log_in(client, "dave@example.org").context["form"].has_error("__all__", "locked")
