"""The grant form: what was chosen stays chosen, folded lists say what they hold, a day shows as a day."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from access.models import Grant, Scope
from tests.factories import ProfessionalFactory

pytestmark = pytest.mark.django_db


def checked_values(page, name):
    return {
        re.search(r'value="([^"]+)"', tag).group(1)
        for tag in re.findall(rf'<input type="(?:checkbox|radio)" name="{name}"[^>]*>', page)
        if " checked" in tag
    }


def test_a_form_error_keeps_the_chosen_professional_and_records(client, alice, bob, alice_records):
    client.force_login(alice)
    chosen = [alice_records["lab"], alice_records["imaging"]]

    response = client.post(
        reverse("sharing:grant_new"),
        {
            "professional": str(bob.public_id),
            "scope": "records",
            "records": [record.pk for record in chosen],
            "permission": "read",
            "ends_on": "2000-01-01",  # in the past: the form comes back
        },
    )

    page = response.content.decode()
    assert "ends_on" in response.context["form"].errors
    assert checked_values(page, "professional") == {str(bob.public_id)}
    assert bob.full_name in page
    assert checked_values(page, "records") == {str(record.pk) for record in chosen}
    assert checked_values(page, "scope") == {"records"}
    assert not Grant.objects.exists()


def test_the_folded_lists_show_that_they_open_and_how_many_are_chosen(client, alice, bob, alice_records, grant_to_bob):
    grant = grant_to_bob(scope=Scope.KINDS, kinds=["imaging", "photo"])
    client.force_login(alice)

    page = client.get(reverse("sharing:grant_edit", args=[grant.public_id])).content.decode()

    kinds = re.search(r'<details class="field picker" data-picker="kinds" open>.*?</summary>', page, re.S).group(0)
    assert "2 choisis" in kinds and "Choisir…" in kinds  # French, the default language
    records = re.search(r'<details class="field picker" data-picker="records" >.*?</summary>', page, re.S).group(0)
    assert "0 choisi" in records


def test_an_end_chosen_as_a_day_shows_as_that_day(client, alice, bob, alice_records):
    client.force_login(alice)
    last_day = timezone.localdate() + datetime.timedelta(days=30)
    client.post(
        reverse("sharing:grant_new"),
        {"professional": str(bob.public_id), "scope": "all", "permission": "read", "ends_on": last_day.isoformat()},
    )
    grant = Grant.objects.active().get()

    care_team = client.get(reverse("sharing:care_team")).content.decode()
    edit = client.get(reverse("sharing:grant_edit", args=[grant.public_id])).content.decode()

    with translation.override("fr"):
        day = date_format(last_day, "j F Y")  # the page is in French, the default language
    assert f"<dd>{day}</dd>" in care_team
    assert "00:00" not in care_team
    assert f'type="date" name="ends_on" value="{last_day.isoformat()}"' in edit


def test_saving_a_grant_unchanged_keeps_its_last_day(client, alice, bob, alice_records):
    client.force_login(alice)
    last_day = timezone.localdate() + datetime.timedelta(days=10)
    fields = {"professional": str(bob.public_id), "scope": "all", "permission": "read"}
    client.post(reverse("sharing:grant_new"), fields | {"ends_on": last_day.isoformat()})
    first = Grant.objects.active().get()

    edit = client.get(reverse("sharing:grant_edit", args=[first.public_id]))
    shown = edit.context["form"]["ends_on"].value()
    client.post(reverse("sharing:grant_edit", args=[first.public_id]), fields | {"ends_on": shown})

    assert Grant.objects.active().get().ends_at == first.ends_at


def test_a_proposal_with_an_error_keeps_the_chosen_colleague(client, alice, bob, grant_to_bob):
    grant_to_bob()
    colleague = ProfessionalFactory()
    client.force_login(bob)

    response = client.post(
        reverse("sharing:propose", args=[alice.public_id]),
        {"professional": str(colleague.public_id), "scope": "kinds", "permission": "read"},  # no kind chosen
    )

    page = response.content.decode()
    assert response.context["form"].non_field_errors()
    assert checked_values(page, "professional") == {str(colleague.public_id)}
    assert checked_values(page, "scope") == {"kinds"}
