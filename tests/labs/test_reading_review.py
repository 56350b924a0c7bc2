"""The record page's lab reading panel and the review page: what a person sees, corrects and confirms."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from audit.models import AccessEvent
from labs.models import LabReading, Observation
from tests.factories import LabReadingFactory, ObservationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def reading(alice):
    return LabReadingFactory(record__patient=alice)


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client


def review_url(reading) -> str:
    return reverse("labs:reading_review", args=[reading.public_id])


def row(number, **values):
    return {f"rows-{number}-{name}": value for name, value in values.items()}


def review(*rows, total=None, initial=2, **report):
    """The review form as posted: the report's date and laboratory, then the rows."""
    return {
        "sampled_on": "2026-03-02",
        "laboratory": "Laboratoire Cerballiance Lyon",
        "rows-TOTAL_FORMS": str(total if total is not None else len(rows)),
        "rows-INITIAL_FORMS": str(initial),
        "rows-MIN_NUM_FORMS": "0",
        "rows-MAX_NUM_FORMS": "100",
        **{key: value for each in rows for key, value in each.items()},
        **report,
    }


HBA1C = {"loinc": "4548-4", "label": "HbA1c", "value": "6,8", "unit": "%", "reference_low": "4", "reference_high": "6"}
GLUCOSE = {
    "loinc": "15074-8",
    "label": "Glycémie à jeun",
    "value": "1,05",
    "unit": "g/l",
    "reference_low": "0,70",
    "reference_high": "1,10",
    "source_line": "Glycémie a jeun 1,O5 g/l 0,70-1,10",  # the hidden field that keeps the row's source
}


def test_the_review_shows_the_proposal_prefilled_with_doubtful_lines_marked(english, alice, reading):
    english.force_login(alice)

    response = english.get(review_url(reading))

    rows = response.context["rows"]
    assert [form.initial["loinc"] for form in rows.initial_forms] == ["4548-4", "15074-8"]
    assert [form.initial["value"] for form in rows.initial_forms] == ["6,8", "1,05"]
    assert [form.is_doubtful for form in rows.initial_forms] == [False, True]
    assert rows.initial_forms[1].unsure == ["value"]
    assert len(rows.forms) == 3  # and one blank row to add a value
    report = response.context["report_form"]
    assert report.initial == {"sampled_on": datetime.date(2026, 3, 2), "laboratory": "Laboratoire Cerballiance Lyon"}
    page = response.content.decode()
    assert "« Glycémie a jeun 1,O5 g/l 0,70-1,10 »" in page  # the source line of a doubtful row, shown
    assert page.count("to check") >= 2  # the doubtful row, and its value
    assert '<option value="15074-8" selected>Glycémie à jeun</option>' in page
    assert 'value="2026-03-02"' in page
    assert not Observation.objects.exists()  # nothing is kept before the confirmation
    assert AccessEvent.objects.filter(actor=alice, action="view", object_id=reading.record.public_id).exists()


def test_confirming_with_corrections_removals_and_additions_records_the_values(client, alice, reading):
    client.force_login(alice)
    data = review(
        row(0, **HBA1C, DELETE="on"),  # removed
        row(1, **{**GLUCOSE, "value": "1.15"}),  # the misread value corrected, with a dot
        row(2, loinc="", label="Ferritine", value="45", unit="µg/L", reference_low="30", reference_high="400"),
        total=3,
    )

    response = client.post(review_url(reading), data, follow=True)

    assert response.redirect_chain[-1][0] == reverse("health_records:detail", args=[reading.record.public_id])
    ferritin, glucose = Observation.objects.order_by("label")
    assert (glucose.loinc, glucose.value, glucose.unit, glucose.flag) == ("15074-8", Decimal("1.15"), "g/L", "H")
    assert glucose.unified_value == Decimal("6.3836")  # 1.15 g/L in mmol/L
    assert glucose.source_line == "Glycémie a jeun 1,O5 g/l 0,70-1,10"
    assert (ferritin.loinc, ferritin.label, ferritin.flag, ferritin.source_line) == ("", "Ferritine", "", "")
    assert Observation.objects.count() == 2
    reading.refresh_from_db()
    assert (reading.status, reading.confirmed_by) == (LabReading.Status.CONFIRMED, alice)
    page = response.content.decode()
    assert "2 valeurs enregistrées." in page or "2 values recorded." in page


def test_the_flag_read_from_the_report_is_kept_and_can_be_corrected(client, alice, reading):
    client.force_login(alice)

    client.post(review_url(reading), review(row(0, **HBA1C, flag="H"), row(1, **GLUCOSE, flag="=")))

    assert dict(Observation.objects.values_list("loinc", "flag")) == {"4548-4": "H", "15074-8": ""}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"value": "six"}, "value", "Enter a number, such as 6,8 or 6.8."),
        ({"value": ""}, "value", "This field is required."),
        ({"reference_low": "7"}, "reference_high", "The high end of the range is below its low end."),
        ({"unit": "mmol/mol"}, "unit", "Hémoglobine glyquée (HbA1c) is reported in %. Correct the unit, or keep it"),
        ({"loinc": "", "label": ""}, "label", "Choose the analyte, or write its name."),
        ({"value": "6,81234"}, "value", "Ensure that there are no more than 4 decimal places."),
    ],
)
def test_a_wrong_row_is_shown_again_with_a_clear_error(english, alice, reading, changes, field, message):
    english.force_login(alice)

    response = english.post(review_url(reading), review(row(0, **{**HBA1C, **changes}), row(1, **GLUCOSE)))

    assert response.status_code == 200
    errors = response.context["rows"].forms[0].errors[field]
    assert errors[0].startswith(message)
    assert message.split(".")[0] in response.content.decode()
    assert not Observation.objects.exists()


def test_a_unit_the_analyte_is_not_known_in_is_kept_when_the_person_says_so(client, alice, reading):
    client.force_login(alice)
    data = review(row(0, **{**HBA1C, "unit": "mmol/mol", "reference_low": "", "reference_high": ""}), row(1, **GLUCOSE))

    shown_again = client.post(review_url(reading), data)
    assert 'name="rows-0-unit_as_written"' in shown_again.content.decode()
    client.post(review_url(reading), {**data, "rows-0-unit_as_written": "on"})

    hba1c = Observation.objects.get(loinc="4548-4")
    assert (hba1c.unit, hba1c.unified_value) == ("mmol/mol", None)


@pytest.mark.parametrize(
    ("sampled_on", "message"),
    [
        ("", "Enter the date the sample was taken."),
        ((timezone.localdate() + datetime.timedelta(days=3)).isoformat(), "The sample date cannot be in the future."),
    ],
)
def test_the_sample_date_is_required_and_not_in_the_future(english, alice, reading, sampled_on, message):
    english.force_login(alice)

    response = english.post(review_url(reading), review(row(0, **HBA1C), row(1, **GLUCOSE), sampled_on=sampled_on))

    assert response.context["report_form"].errors["sampled_on"] == [message]
    assert not Observation.objects.exists()


def test_removing_every_row_records_nothing(english, alice, reading):
    english.force_login(alice)

    response = english.post(review_url(reading), review(row(0, **HBA1C, DELETE="on"), row(1, **GLUCOSE, DELETE="on")))

    assert response.status_code == 200
    assert "Keep or add at least one value." in response.content.decode()
    assert not Observation.objects.exists()


def test_add_a_row_gives_the_page_back_with_one_more_blank_row(client, alice, reading):
    client.force_login(alice)

    response = client.post(review_url(reading), {**review(row(0, **HBA1C), row(1, **GLUCOSE), total=3), "add_row": "1"})

    assert len(response.context["rows"].forms) == 4
    assert response.context["rows"].forms[0]["value"].value() == "6,8"  # what was typed stays
    assert not Observation.objects.exists()


def test_confirming_twice_is_refused(client, alice, reading):
    client.force_login(alice)
    data = review(row(0, **HBA1C), row(1, **GLUCOSE))
    client.post(review_url(reading), data)

    again = client.post(review_url(reading), data)

    assert again.url == reverse("health_records:detail", args=[reading.record.public_id])
    assert Observation.objects.count() == 2


def test_a_reading_not_ready_has_no_review(client, alice, reading):
    LabReading.objects.filter(pk=reading.pk).update(status=LabReading.Status.READING)
    client.force_login(alice)

    assert client.get(review_url(reading)).status_code == 404


def test_the_review_works_on_a_phone_as_cards(client, alice, reading):
    client.force_login(alice)

    page = client.get(review_url(reading)).content.decode()

    assert 'class="table table-cards lab-review__table"' in page
    assert 'data-label="Valeur"' in page or 'data-label="Value"' in page
    assert "cdn" not in page.lower()


# --- The record page's panel --------------------------------------------------------------------------------


def panel_url(reading) -> str:
    return reverse("labs:reading_panel", args=[reading.public_id])


def test_the_panel_follows_the_reading_while_it_is_at_work(english, alice, reading):
    LabReading.objects.filter(pk=reading.pk).update(status=LabReading.Status.READING, progress=47, result={})
    english.force_login(alice)

    panel = english.get(panel_url(reading)).content.decode()

    assert 'hx-trigger="every 2s"' in panel
    assert '<progress max="100" value="47"' in panel
    assert "Reading…" in panel


def test_the_panel_stops_polling_and_offers_the_review_once_read(english, alice, reading):
    english.force_login(alice)

    panel = english.get(panel_url(reading)).content.decode()

    assert "every 2s" not in panel
    assert "2 values read." in panel
    assert review_url(reading) in panel


def test_a_failed_reading_says_why_and_offers_to_try_again(english, alice, reading):
    LabReading.objects.filter(pk=reading.pk).update(status=LabReading.Status.FAILED, error="Image illisible.")
    english.force_login(alice)

    panel = english.get(panel_url(reading)).content.decode()

    assert "Image illisible." in panel
    assert reverse("labs:reading_restart", args=[reading.public_id]) in panel


def test_the_record_page_shows_the_reading_then_the_confirmed_values(english, alice, reading):
    english.force_login(alice)
    record_url = reverse("health_records:detail", args=[reading.record.public_id])

    before = english.get(record_url).content.decode()
    assert review_url(reading) in before

    ObservationFactory(record=reading.record, reading=reading, value="6.8")
    ObservationFactory(
        record=reading.record,
        loinc="2160-0",
        label="Créatinine",
        value="52",
        unit="µmol/L",
        reference_low="60",
        reference_high="110",
        flag="L",
    )
    LabReading.objects.filter(pk=reading.pk).update(status=LabReading.Status.CONFIRMED)
    with translation.override("en"):
        after = english.get(record_url).content.decode()

    assert review_url(reading) not in after
    assert "Sample of 2 March 2026" in after
    assert '<th scope="row">HbA1c</th>' in after
    assert "6.8 %" in after and "4 – 6" in after
    assert '<abbr title="high">H</abbr> ↑' in after  # the flag in letters, not by colour alone
    assert '<abbr title="low">L</abbr> ↓' in after


def test_a_record_of_another_kind_has_no_lab_panel(client, alice):
    from tests.factories import HealthRecordFactory

    record = HealthRecordFactory(patient=alice, kind="imaging")
    client.force_login(alice)

    response = client.get(reverse("health_records:detail", args=[record.public_id]))

    assert "lab_readings" not in response.context
    assert "record-observations-title" not in response.content.decode()


def test_the_record_page_follows_a_reading_at_work(client, alice, reading):
    LabReading.objects.filter(pk=reading.pk).update(status=LabReading.Status.QUEUED, progress=0, result={})
    client.force_login(alice)

    page = client.get(reverse("health_records:detail", args=[reading.record.public_id])).content.decode()

    assert f'hx-get="{panel_url(reading)}"' in page
    assert 'hx-trigger="every 2s"' in page


def test_what_the_reader_read_is_shown_as_text_never_as_markup(client, alice, reading):
    reading.result["observations"][0]["line"] = '<script>alert("x")</script> HbA1c 6,8'
    reading.result["warnings"] = ["<b>page 2</b> illisible"]
    reading.save()
    client.force_login(alice)

    page = client.get(review_url(reading)).content.decode()

    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    assert "<b>page 2</b>" not in page and "&lt;b&gt;page 2&lt;/b&gt; illisible" in page
