"""labs.charts: where the values, the reference band and the axes' ticks go."""

import datetime
from decimal import Decimal

from labs import analytes, charts
from labs.models import Observation

HBA1C = analytes.get("4548-4")
CREATININE = analytes.get("2160-0")


def value(day, number, *, unit="%", unified=None, low=None, high=None, flag="", pk=None):
    number = Decimal(number)
    return Observation(
        pk=pk,
        sampled_on=day,
        value=number,
        unit=unit,
        unified_value=number if unified is None and unit == "%" else unified,
        reference_low=None if low is None else Decimal(low),
        reference_high=None if high is None else Decimal(high),
        flag=flag,
    )


def test_values_are_placed_by_time_and_by_value():
    chart = charts.trend_chart(
        HBA1C,
        [
            value(datetime.date(2024, 1, 1), "5", pk=1),
            value(datetime.date(2024, 1, 11), "6", pk=2),
            value(datetime.date(2024, 4, 10), "7", pk=3, flag="H"),
        ],
    )

    xs = [float(point.x) for point in chart.points]
    ys = [float(point.y) for point in chart.points]
    assert xs[0] == charts.LEFT and xs[-1] == charts.WIDTH - charts.RIGHT
    assert (xs[1] - xs[0]) * 9 == (xs[2] - xs[1])  # 10 days, then 90
    assert ys[0] > ys[1] > ys[2]  # higher values higher up
    assert [point.flag for point in chart.points] == ["", "", "H"]
    assert chart.points[2].marker.startswith("M") and chart.points[0].marker == ""
    assert chart.out_of_range == 1


def test_the_band_is_the_latest_range_in_the_analytes_unit():
    observations = [
        value(datetime.date(2024, 1, 1), "80", unit="µmol/L", unified=Decimal("80"), low="50", high="100", pk=1),
        value(datetime.date(2025, 1, 1), "9", unit="mg/L", unified=Decimal("79.56"), low="5.1", high="10.2", pk=2),
    ]

    chart = charts.trend_chart(CREATININE, observations)

    assert (chart.reference_low, chart.reference_high) == (Decimal("50"), Decimal("100"))
    assert chart.band is not None and float(chart.band["height"]) > 0
    # Without a range in its own unit, the latest one converted, rounded as a report would print it.
    assert charts.reference_range(CREATININE, observations[1:]) == (Decimal("45.1"), Decimal("90.2"))


def test_a_range_with_one_bound_gives_a_band_to_the_edge_and_none_gives_no_band():
    only_high = charts.trend_chart(HBA1C, [value(datetime.date(2024, 1, 1), "5", high="6", pk=1)])
    no_range = charts.trend_chart(HBA1C, [value(datetime.date(2024, 1, 1), "5", pk=1)])

    assert only_high.reference_low is None and only_high.band is not None
    assert float(only_high.band["y"]) + float(only_high.band["height"]) == float(only_high.bottom)
    assert no_range.band is None and not no_range.has_reference


def test_values_that_do_not_convert_are_set_apart():
    chart = charts.trend_chart(
        CREATININE,
        [
            value(datetime.date(2024, 1, 1), "80", unit="µmol/L", unified=Decimal("80"), pk=1),
            value(datetime.date(2024, 2, 1), "0.08", unit="mmol/L", unified=None, pk=2),
        ],
    )

    assert len(chart.points) == 1 and [item.pk for item in chart.not_charted] == [2]


def test_the_time_axis_has_a_few_month_ticks_or_the_two_days():
    two_years = charts.trend_chart(
        HBA1C, [value(datetime.date(2024, 3, 5), "5", pk=1), value(datetime.date(2026, 2, 20), "6", pk=2)]
    )
    one_month = charts.trend_chart(
        HBA1C, [value(datetime.date(2024, 3, 5), "5", pk=1), value(datetime.date(2024, 3, 25), "6", pk=2)]
    )

    assert 2 <= len(two_years.x_ticks) <= charts.MAX_X_TICKS
    assert all(tick.value.day == 1 for tick in two_years.x_ticks)
    assert [tick.value for tick in one_month.x_ticks] == [datetime.date(2024, 3, 5), datetime.date(2024, 3, 25)]
    assert one_month.x_format == "j N Y"


def test_the_value_axis_has_round_ticks_around_the_values():
    chart = charts.trend_chart(
        HBA1C, [value(datetime.date(2024, 1, 1), "5.3", pk=1), value(datetime.date(2024, 6, 1), "7.1", pk=2)]
    )

    ticks = [tick.value for tick in chart.y_ticks]
    assert ticks[0] <= Decimal("5.3") and ticks[-1] >= Decimal("7.1")
    assert all(tick == tick.quantize(Decimal("0.1")) for tick in ticks)


def test_the_sparkline_needs_two_converted_values():
    one = [value(datetime.date(2024, 1, 1), "5", pk=1)]

    assert charts.sparkline(one) == ""
    line = charts.sparkline([*one, value(datetime.date(2024, 2, 1), "6", pk=2)])
    assert line == "3.0,21.0 93.0,3.0"
