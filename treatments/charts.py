"""The adherence chart, drawn on the server as SVG (no script, no third-party library)."""

BAR_WIDTH = 16
BAR_STEP = 20
BAR_HEIGHT = 48
TOP = 4


def adherence_bars(days: list[tuple]) -> list[dict]:
    """One bar per day: the grey track is the doses due, the coloured part the doses taken."""
    bars = []
    for index, (day, taken, due) in enumerate(days):
        height = round(BAR_HEIGHT * taken / due) if due else 0
        bars.append(
            {
                "day": day,
                "taken": taken,
                "due": due,
                "x": index * BAR_STEP,
                "center": index * BAR_STEP + BAR_WIDTH // 2,
                "y": TOP + BAR_HEIGHT - height,
                "height": height,
                "complete": due and taken == due,
            }
        )
    return bars
