"""The adherence chart, drawn on the server as SVG (no script, no third-party library)."""

BAR_WIDTH = 16
BAR_STEP = 20
BAR_HEIGHT = 48
TOP = 4
# Stacked from the bottom, in the legend's order; "not tracked" gathers the two reasons a dose was not asked.
SEGMENTS = [
    ("taken", ["taken"]),
    ("skipped", ["skipped"]),
    ("not_answered", ["not_answered"]),
    ("not_tracked", ["not_asked", "before_tracking"]),
]


def adherence_bars(days: list[tuple]) -> list[dict]:
    """One bar per day (or week): its height is the doses planned, split into what is known of them."""
    bars = []
    for index, (day, counts) in enumerate(days):
        planned = sum(counts.values())
        segments, below = [], 0
        for kind, answers in SEGMENTS:
            count = sum(counts[answer] for answer in answers)
            if not count:
                continue
            # Rounded on running totals, so that the segments always fill the bar exactly.
            low, high = (round(BAR_HEIGHT * number / planned) for number in (below, below + count))
            below += count
            segments.append({"kind": kind, "count": count, "y": TOP + BAR_HEIGHT - high, "height": high - low})
        bars.append(
            {
                "day": day,
                "planned": planned,
                "segments": segments,
                "x": index * BAR_STEP,
                "center": index * BAR_STEP + BAR_WIDTH // 2,
            }
        )
    return bars
