import pytest
from django.core.management import CommandError, call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import ProfessionalProfile, User
from health_records.models import HealthRecord, RecordFile
from labs.models import Observation
from printing.services import printer_authenticate

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def development_settings(settings):
    """The demo runs on a developer's machine, where DEBUG is on (pytest turns it off)."""
    settings.DEBUG = True


DEMO_EMAILS = {
    "alice@demo.relyfe.test": "patient",
    "dave@demo.relyfe.test": "patient",
    "bob@demo.relyfe.test": "professional",
    "charlie@demo.relyfe.test": "professional",
    "emma@demo.relyfe.test": "professional",
    "staff@demo.relyfe.test": "staff",
}


def test_the_demo_command_creates_every_role_and_can_run_twice(client, capsys):
    call_command("demo")
    call_command("demo")

    assert dict(User.objects.values_list("email", "role")) == DEMO_EMAILS
    printed = capsys.readouterr().out
    assert all(email in printed for email in DEMO_EMAILS)
    assert "relyfe-demo-2026" in printed
    assert "RELYFEDEMOSECRETRELYFEDEMOSECRET" in printed
    with_authenticator = set(TOTPDevice.objects.filter(confirmed=True).values_list("user__email", flat=True))
    assert with_authenticator == {email for email, role in DEMO_EMAILS.items() if role != "patient"}
    for email in DEMO_EMAILS:
        assert client.login(username=email, password="relyfe-demo-2026"), email
        client.logout()
    assert ProfessionalProfile.objects.get(user__email="bob@demo.relyfe.test").verified
    alice = User.objects.get(email="alice@demo.relyfe.test")
    records = HealthRecord.objects.filter(patient=alice)
    assert records.count() >= 12
    assert records.values("kind").distinct().count() >= 8
    assert RecordFile.objects.filter(record__patient=alice, content_type="application/pdf").exists()
    assert RecordFile.objects.filter(record__patient=alice, content_type="image/jpeg").exists()
    years = {record.clinical_date.year for record in records}
    assert max(years) - min(years) >= 2
    assert not HealthRecord.objects.exclude(patient=alice).exists()
    from comments.models import Comment

    assert sorted(Comment.objects.values_list("visibility", flat=True)) == ["everyone", "professionals"]


def test_the_demo_command_restores_a_changed_demo_password(client):
    call_command("demo")
    alice = User.objects.get(email="alice@demo.relyfe.test")
    alice.set_password("something-else-entirely")
    alice.save()

    call_command("demo")

    assert client.login(username="alice@demo.relyfe.test", password="relyfe-demo-2026")


def test_the_demo_command_refuses_to_run_when_debug_is_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG"):
        call_command("demo")
    assert not User.objects.exists()


def test_bob_prints_to_the_demo_printer_with_the_published_secret(capsys):
    call_command("demo")
    call_command("demo")

    printer = printer_authenticate(slug="demo-bob", secret="relyfe-demo-printer")
    assert printer is not None and printer.owner.email == "bob@demo.relyfe.test"
    assert "ipp://bob:relyfe-demo-printer@127.0.0.1:8000/ipp/print/demo-bob" in capsys.readouterr().out


def test_alice_has_lab_results_over_two_years_to_see_as_trends(client):
    call_command("demo")
    call_command("demo")  # and only once

    alice = User.objects.get(email="alice@demo.relyfe.test")
    observations = Observation.objects.filter(patient=alice)
    assert {"4548-4", "2160-0", "13457-7", "3016-3"} <= set(observations.values_list("loinc", flat=True))
    assert set(observations.filter(loinc="2160-0").values_list("unit", flat=True)) == {"µmol/L", "mg/L"}
    assert not observations.filter(loinc="2160-0", unified_value__isnull=True).exists()  # both units convert
    days = sorted(observations.values_list("sampled_on", flat=True))
    assert (days[-1] - days[0]).days >= 365
    assert observations.filter(flag="H").exists()
    assert not RecordFile.objects.filter(record__observations__isnull=False, record__title="Bilan sanguin").exists()
    client.force_login(alice)
    page = client.get(f"/patients/{alice.public_id}/labs/4548-4/").content.decode()
    assert page.count('class="lab-chart__point') == observations.filter(loinc="4548-4").count()
