import datetime
import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessEvent
from notifications.models import Notification
from sharing import services as sharing
from sharing.models import ShareLink

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared(alice, alice_records):
    """A link to alice's lab result only."""
    link, token, _passcode = sharing.share_link_create(actor=alice, records=[alice_records["lab"]])
    return link, token


def open_link(client, token, name="Dr Durand", profession="radiologue"):
    client.get(reverse("sharing:link_open", args=[token]))
    return client.post(reverse("sharing:link_start"), {"name": name, "profession": profession})


def test_a_patient_makes_a_link_and_sees_it_once(client, alice, alice_records, django_capture_on_commit_callbacks):
    client.force_login(alice)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("sharing:links"),
            {
                "records": [alice_records["lab"].pk, alice_records["imaging"].pk],
                "days": 7,
                "label": "Dr Durand",
                "recipient_email": "durand@example.org",
                "with_passcode": "on",
            },
        )

    url, passcode = response.context["url"], response.context["passcode"]
    token = url.rstrip("/").rsplit("/", 1)[1]
    link = ShareLink.objects.get()
    assert len(token) >= 43 and re.fullmatch(r"\d{6}", passcode)
    assert link.expires_at - link.created_at == datetime.timedelta(days=7)
    assert mail.outbox[0].to == ["durand@example.org"] and url in mail.outbox[0].body
    assert passcode not in mail.outbox[0].body


def test_tokens_and_passcodes_are_not_stored_in_clear(alice, alice_records):
    _link, token, passcode = sharing.share_link_create(actor=alice, records=[alice_records["lab"]], with_passcode=True)

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM sharing_sharelink")
        stored = " ".join(str(value) for row in cursor.fetchall() for value in row)
    assert token not in stored and passcode not in stored


def test_a_recipient_states_their_name_and_sees_only_the_shared_records(client, alice, alice_records, shared):
    _link, token = shared

    response = open_link(client, token)

    assert response.url == reverse("sharing:link_records")
    page = client.get(response.url).content.decode()
    assert "Bilan sanguin" in page and "IRM genou" not in page
    lab, imaging = alice_records["lab"], alice_records["imaging"]
    assert client.get(reverse("sharing:link_record", args=[lab.public_id])).status_code == 200
    assert client.get(reverse("sharing:link_record", args=[imaging.public_id])).status_code == 404
    download = client.get(reverse("sharing:link_file_download", args=[lab.files.get().public_id]))
    assert download.status_code == 200 and "no-store" in download["Cache-Control"]
    # The token is exchanged for the session: no later page carries it.
    assert token not in response.url
    labels = set(AccessEvent.objects.filter(patient=alice, access_path="link").values_list("actor_label", flat=True))
    assert labels == {"Dr Durand (radiologue)"}
    assert Notification.objects.filter(recipient=alice, event="share_link_opened").exists()


def test_a_link_holder_is_not_a_member(client, alice, alice_records, shared):
    open_link(client, shared[1])

    assert client.get(reverse("health_records:timeline", args=[alice.public_id])).status_code == 302


@pytest.mark.parametrize("state", ["expired", "revoked", "unknown"])
def test_expired_revoked_and_unknown_links_show_the_same_page(client, alice, shared, state):
    link, token = shared
    if state == "expired":
        ShareLink.objects.filter(pk=link.pk).update(
            created_at=timezone.now() - datetime.timedelta(days=9),
            expires_at=timezone.now() - datetime.timedelta(days=2),
        )
    elif state == "revoked":
        sharing.share_link_revoke(actor=alice, link=link)
    else:
        token = "x" * 43

    response = client.get(reverse("sharing:link_open", args=[token]))

    assert response.status_code == 404
    assert response.templates[0].name == "sharing/link_not_valid.html"
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_revoking_a_link_stops_a_recipient_already_reading(client, alice, alice_records, shared):
    link, token = shared
    open_link(client, token)

    sharing.share_link_revoke(actor=alice, link=link)

    assert client.get(reverse("sharing:link_records")).status_code == 404
    assert client.get(reverse("sharing:link_record", args=[alice_records["lab"].public_id])).status_code == 404


def test_a_link_opens_at_most_its_limit(client, alice, alice_records):
    link, token, _passcode = sharing.share_link_create(actor=alice, records=[alice_records["lab"]], max_opens=2)

    for _visitor in range(2):
        assert open_link(client.__class__(), token).url == reverse("sharing:link_records")
    third = open_link(client.__class__(), token)

    assert third.status_code == 404
    link.refresh_from_db()
    assert link.open_count == 2


def test_the_passcode_is_asked_and_wrong_guesses_lock_the_link(client, alice, alice_records):
    _link, token, passcode = sharing.share_link_create(actor=alice, records=[alice_records["lab"]], with_passcode=True)
    client.get(reverse("sharing:link_open", args=[token]))
    wrong = "000000" if passcode != "000000" else "111111"

    asked = client.get(reverse("sharing:link_start"))
    for _guess in range(5):
        client.post(reverse("sharing:link_start"), {"passcode": wrong})
    locked = client.post(reverse("sharing:link_start"), {"passcode": passcode})

    assert "passcode" in asked.context["form"].fields
    assert locked.context["form"] is None  # even the right passcode waits for the lock to end
    assert client.get(reverse("sharing:link_records")).status_code == 404


def test_the_right_passcode_leads_to_the_name_and_the_records(client, alice, alice_records):
    _link, token, passcode = sharing.share_link_create(actor=alice, records=[alice_records["lab"]], with_passcode=True)
    client.get(reverse("sharing:link_open", args=[token]))

    client.post(reverse("sharing:link_start"), {"passcode": passcode})
    response = client.post(reverse("sharing:link_start"), {"name": "Dr Durand"})

    assert response.url == reverse("sharing:link_records")


def test_a_link_lasts_ninety_days_at_most(client, alice, alice_records):
    client.force_login(alice)

    response = client.post(reverse("sharing:links"), {"records": [alice_records["lab"].pk], "days": 91})

    assert "days" in response.context["form"].errors
    assert not ShareLink.objects.exists()


def test_a_link_cannot_carry_someone_elses_record(alice, dave):
    from django.core.exceptions import ValidationError

    from tests.factories import HealthRecordFactory

    with pytest.raises(ValidationError):
        sharing.share_link_create(actor=alice, records=[HealthRecordFactory(patient=dave)])


def test_guessing_share_link_tokens_is_limited_but_the_real_link_still_opens(client, shared):
    _link, token = shared
    guesses = [client.get(reverse("sharing:link_open", args=[f"guess-{number}"])).status_code for number in range(31)]

    opened = client.get(reverse("sharing:link_open", args=[token]))

    assert guesses == [404] * 30 + [429]
    assert opened.status_code == 302
    assert opened["Location"] == reverse("sharing:link_start")


def test_a_patient_cannot_make_the_site_send_link_e_mails_without_end(alice, alice_records, settings):
    settings.SHARE_LINK_EMAILS_PER_USER = 3
    for number in range(3):
        sharing.share_link_create(
            actor=alice, records=[alice_records["lab"]], recipient_email=f"dr{number}@example.org"
        )

    with pytest.raises(ValidationError) as refused:
        sharing.share_link_create(actor=alice, records=[alice_records["lab"]], recipient_email="dr9@example.org")

    assert refused.value.code == "too_many_emails"
    # Without an e-mail to send, the patient still makes links.
    sharing.share_link_create(actor=alice, records=[alice_records["lab"]])
