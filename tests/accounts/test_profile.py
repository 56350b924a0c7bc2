import re

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def account_data(user, **overrides):
    data = {
        "account-first_name": user.first_name,
        "account-last_name": user.last_name,
        "account-email": user.email or "",
        "account-phone": user.phone or "",
        "account-time_zone": user.time_zone,
        "account-language": user.language,
    }
    return {**data, **overrides}


def test_a_patient_edits_their_profile(client, alice):
    client.force_login(alice)
    data = account_data(
        alice,
        **{"account-phone": "07 56 12 34 56", "details-birth_date": "1984-03-12", "details-sex": "female"},
    )

    response = client.post(reverse("accounts:profile"), data)

    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.phone == "+33756123456"
    assert alice.patient_profile.birth_date.isoformat() == "1984-03-12"


def test_a_profile_cannot_take_another_users_email(client, alice, dave):
    client.force_login(alice)

    response = client.post(reverse("accounts:profile"), account_data(alice, **{"account-email": "DAVE@example.org"}))

    assert response.context["account_form"].has_error("email", "duplicate")
    alice.refresh_from_db()
    assert alice.email == "alice@example.org"


def test_a_profile_cannot_remove_the_last_identifier(client, alice):
    client.force_login(alice)

    response = client.post(reverse("accounts:profile"), account_data(alice, **{"account-email": ""}))

    assert response.status_code == 200
    alice.refresh_from_db()
    assert alice.email == "alice@example.org"


def test_a_professional_edits_their_practice_but_not_their_verification(client, bob):
    client.force_login(bob)
    data = account_data(
        bob,
        **{
            "details-profession": "doctor",
            "details-specialty": "Cardiologie",
            "details-rpps": bob.professional_profile.rpps,
            "details-practice_address": "1 place Bellecour",
            "details-city": "Lyon",
            "details-practice_phone": "",
            "details-verified": "on",
        },
    )

    client.post(reverse("accounts:profile"), data)

    bob.professional_profile.refresh_from_db()
    assert bob.professional_profile.specialty == "Cardiologie"
    assert bob.professional_profile.verified is False


def test_a_user_changes_their_password(client, alice):
    client.force_login(alice)

    client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "another-long-passphrase",
            "new_password2": "another-long-passphrase",
        },
    )

    alice.refresh_from_db()
    assert alice.check_password("another-long-passphrase")


def test_a_forgotten_password_is_reset_through_an_emailed_link(client, alice):
    client.post(reverse("accounts:password_reset"), {"email": "Alice@Example.org"})

    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/password/reset/\S+)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-brand-new-passphrase", "new_password2": "a-brand-new-passphrase"},
    )
    alice.refresh_from_db()
    assert alice.check_password("a-brand-new-passphrase")


def test_a_password_reset_for_an_unknown_address_says_the_same_and_sends_nothing(client, alice):
    response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.org"})

    assert response.status_code == 302
    assert response.url == reverse("accounts:password_reset_done")
    assert mail.outbox == []
