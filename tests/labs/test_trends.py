"""The lab results pages: one row per analyte, and each analyte's chart over time with every value below it,
as the viewer may see them."""

import re

import pytest
from django.urls import reverse

from access.models import AccessPath
from audit.models import AccessEvent, ObjectType
from tests.factories import CaregiverFactory, GrantFactory, ObservationFactory
from tests.labs.conftest import signed_in

pytestmark = pytest.mark.django_db

HBA1C, CREATININE = "4548-4", "2160-0"


def trends(client, patient):
    return client.get(reverse("labs:trends", args=[patient.public_id]), HTTP_ACCEPT_LANGUAGE="en")


def analyte(client, patient, loinc):
    return client.get(reverse("labs:analyte", args=[patient.public_id, loinc]), HTTP_ACCEPT_LANGUAGE="en")


def english(client):
    client.cookies["django_language"] = "en"
    return client


def chart_of(page: str) -> str:
    return re.search(r'<svg class="lab-chart__svg".*?</svg>', page, re.S)[0]


def points_of(chart: str) -> list[tuple[str, str]]:
    """(class, inner markup) of each point of the chart."""
    return re.findall(r'<g class="(lab-chart__point[^"]*)">(.*?)</g>', chart, re.S)


def rows_of(page: str, row_class: str) -> list[str]:
    return re.findall(rf'<tr class="{row_class}"[^>]*>(.*?)</tr>', page, re.S)


def test_the_patient_sees_one_row_per_analyte_with_its_last_value_flag_count_and_sparkline(alice, lab_file):
    page = trends(english(signed_in(alice)), alice).content.decode()

    rows = rows_of(page, "lab-trends__row")
    assert len(rows) == 2  # creatinine and HbA1c; the unknown analyte is listed apart
    creatinine, hba1c = rows
    assert "Creatinine" in creatinine and "Hemoglobin A1c" in hba1c  # in the reader's language
    # The last value as written, its date, the flag in words and symbol (not a colour only), the count.
    assert "6.8 %" in hba1c
    assert '<time datetime="2026-10-05">' in hba1c
    assert "▲</span> high" in hba1c
    assert '<td data-label="Values">3</td>' in hba1c
    assert re.search(r'<svg class="lab-spark".*?<polyline points="[\d., ]+"', hba1c)
    assert "0.07 mmol/L" in creatinine  # the latest, even in a unit that does not convert
    assert "My lab results" in page
    # The analyte the table does not know: kept, listed with its record.
    others = page[page.index("Other values") :]
    assert "Vitamine D (25-OH)" in others and "18 ng/mL" in others and "Bilan automne 2026" in others


def test_the_chart_has_a_point_per_charted_value_the_band_and_marks_out_of_range_values(alice, lab_file):
    page = analyte(english(signed_in(alice)), alice, HBA1C).content.decode()

    chart = chart_of(page)
    points = points_of(chart)
    assert len(points) == 3
    # The last one is high: a triangle with its label, where the others are circles.
    plain, high = "lab-chart__point", "lab-chart__point lab-chart__point--high"
    assert [css for css, _inner in points] == [plain, plain, high]
    assert "<circle" in points[0][1] and "<path" not in points[0][1]
    assert "<path" in points[2][1] and '<text class="lab-chart__flag"' in points[2][1] and ">H</text>" in points[2][1]
    assert "5 October 2026 — 6.8 % (high)" in points[2][1]
    # The reference band (4 to 6 %), and the chart says what it shows.
    assert '<rect class="lab-chart__band"' in chart
    assert 'role="img" aria-labelledby="lab-chart-title lab-chart-desc"' in chart
    assert "Hemoglobin A1c over time, in %" in chart
    assert "3 values, from 1 December 2024 to 5 October 2026." in chart
    assert "Reference range: 4 – 6 %." in chart
    assert "1 value out of range" in chart


def test_the_dates_are_placed_by_time_not_evenly(alice, lab_file):
    page = analyte(signed_in(alice), alice, HBA1C).content.decode()

    xs = [float(x) for x in re.findall(r'<circle cx="([\d.]+)"', chart_of(page))]
    high = re.search(r'<path d="M([\d.]+) ', chart_of(page))
    xs.append(float(high[1]))
    # 1 Dec 2024, 10 Mar 2025, 5 Oct 2026: 99 days, then 574.
    first_gap, second_gap = xs[1] - xs[0], xs[2] - xs[1]
    assert second_gap / first_gap == pytest.approx(574 / 99, rel=0.02)


def test_values_in_another_unit_are_converted_and_those_that_do_not_convert_are_listed_not_charted(alice, lab_file):
    page = analyte(english(signed_in(alice)), alice, CREATININE).content.decode()

    assert len(points_of(chart_of(page))) == 2  # µmol/L, and mg/L converted
    assert "75.14 µmol/L" in chart_of(page)
    assert "1 value is in a unit that does not convert to µmol/L: it is in the table below, not on the chart." in page
    rows = rows_of(page, "lab-values__row")
    assert len(rows) == 3  # every value, newest first
    assert "0.07 mmol/L" in rows[0] and "not converted" in rows[0]
    assert "8.5 mg/L" in rows[1] and "75.14" in rows[1] and "5.1 – 10.2 mg/L" in rows[1]
    assert reverse("health_records:detail", args=[lab_file["autumn"].public_id]) in rows[1]
    assert "72 µmol/L" in rows[2] and "45 – 90 µmol/L" in rows[2]
    # The band comes from the latest range given in the analyte's own unit.
    assert "Reference range: 45 – 90 µmol/L." in page


def test_the_table_gives_every_value_with_its_laboratory_flag_and_record(alice, lab_file):
    page = analyte(english(signed_in(alice)), alice, HBA1C).content.decode()

    newest = rows_of(page, "lab-values__row")[0]
    assert "6.8 %" in newest and "4 – 6 %" in newest and "▲</span> high" in newest
    assert "Cerballiance Lyon" in newest and "Bilan automne 2026" in newest


def test_the_pages_are_french_by_default(alice, lab_file):
    page = signed_in(alice).get(reverse("labs:analyte", args=[alice.public_id, HBA1C])).content.decode()

    assert "Hémoglobine glyquée (HbA1c)" in page  # the French laboratories' name
    assert "5 octobre 2026 — 6,8 %" in page  # French dates and decimal commas, outside the SVG's coordinates
    assert not re.search(r'(x|y|cx|cy|width|height)="\d+,\d', chart_of(page))


def test_a_comparator_is_written_before_the_value(alice, lab_file):
    ObservationFactory(record=lab_file["autumn"], comparator="<", value="0.5", unified_value="0.5", flag="")

    page = analyte(english(signed_in(alice)), alice, HBA1C).content.decode()

    assert "&lt; 0.5 %" in page


@pytest.mark.parametrize("who", ["charlie", "dave"])
def test_someone_without_access_gets_a_404(request, alice, lab_file, who):
    client = signed_in(request.getfixturevalue(who))

    assert trends(client, alice).status_code == 404
    assert analyte(client, alice, HBA1C).status_code == 404


def test_an_anonymous_visitor_is_sent_to_log_in(client, alice, lab_file):
    response = trends(client, alice)

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert analyte(client, alice, HBA1C).status_code == 302


def test_a_whole_file_grant_sees_everything_and_the_view_is_logged(alice, bob, bob_sees_alice, lab_file):
    client = signed_in(bob)

    page = trends(client, alice).content.decode()

    assert len(rows_of(page, "lab-trends__row")) == 2
    assert "Lab results of Alice" in page
    event = AccessEvent.objects.get(actor=bob)
    assert (event.patient, event.object_type, event.access_path) == (alice, ObjectType.LAB_RESULTS, AccessPath.GRANT)


def test_a_grant_on_other_kinds_sees_no_value(alice, kate, lab_file):
    client = signed_in(kate)

    page = trends(client, alice)

    assert page.status_code == 200
    assert rows_of(page.content.decode(), "lab-trends__row") == []
    assert "No lab result value yet." in page.content.decode()
    assert analyte(client, alice, HBA1C).status_code == 404


def test_a_grant_on_lab_results_sees_them_all(alice, lena, lab_file):
    page = analyte(signed_in(lena), alice, HBA1C).content.decode()

    assert len(points_of(chart_of(page))) == 3


def test_a_grant_on_chosen_records_sees_only_their_values(alice, rob, lab_file):
    client = signed_in(rob)

    page = analyte(client, alice, HBA1C).content.decode()

    assert len(rows_of(page, "lab-values__row")) == 2  # the spring record's two values
    assert "Bilan automne 2026" not in page
    creatinine = analyte(client, alice, CREATININE).content.decode()
    assert len(rows_of(creatinine, "lab-values__row")) == 1
    assert "Vitamine D" not in trends(client, alice).content.decode()


def test_a_caregiver_who_sees_treatments_only_gets_a_404(alice, dave, lab_file):
    CaregiverFactory(patient=alice, caregiver=dave)

    assert trends(signed_in(dave), alice).status_code == 404


def test_values_of_an_archived_record_are_not_shown(alice, lab_file):
    from django.utils import timezone

    lab_file["autumn"].archived_at = timezone.now()
    lab_file["autumn"].archived_by = alice
    lab_file["autumn"].save()

    page = analyte(english(signed_in(alice)), alice, HBA1C).content.decode()

    assert len(rows_of(page, "lab-values__row")) == 2


def test_an_unknown_analyte_or_one_without_value_is_a_404(alice, lab_file):
    client = signed_in(alice)

    assert analyte(client, alice, "99999-9").status_code == 404
    assert analyte(client, alice, "3016-3").status_code == 404  # TSH: in the table, no value


def test_a_single_value_is_drawn_without_a_line(alice):
    ObservationFactory(
        record__patient=alice,
        flag="",
        loinc="3016-3",
        label="TSH",
        value="2.1",
        unit="mUI/L",
        unified_value="2.1",
        reference_low="0.4",
        reference_high="4",
    )

    page = analyte(english(signed_in(alice)), alice, "3016-3").content.decode()

    chart = chart_of(page)
    assert len(points_of(chart)) == 1 and "<polyline" not in chart
    assert "1 value, on" in chart


def test_a_grant_with_expired_access_gets_a_404(alice, lab_file):
    expired = GrantFactory(patient=alice, expired=True).professional

    assert trends(signed_in(expired), alice).status_code == 404
