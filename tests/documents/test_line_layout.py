"""OCR boxes joined into the lines a person reads, on photos whose lines do not run straight: a curled sheet
bows each line, a page in perspective slants its lines unevenly. Each line stays one line, and lines that
nearly touch stay apart."""

from documents.ocr.base import TextBox, page_from_boxes

HEIGHT = 18


def box(text: str, left: float, top: float, width: float = 90, rise: float = 0.0) -> TextBox:
    """A word's box, `rise` pixels higher at its end than at its start."""
    return TextBox(
        text,
        0.95,
        ((left, top), (left + width, top - rise), (left + width, top - rise + HEIGHT), (left, top + HEIGHT)),
    )


def test_the_words_of_a_bowed_line_stay_one_line_and_apart_from_the_next():
    # Two lines 22 px apart, bowed by a curl: each word level, each a few pixels lower than the one before,
    # until the end of the first line is lower than the start of the second.
    first = ["DOLIPRANE", "1000", "mg,", "comprimé", "pelliculé", "sécable"]
    second = ["1", "comprimé", "matin", "et", "soir", "pendant", "5", "jours"]
    boxes = [box(word, 100 * index, 100 + 6 * index) for index, word in enumerate(first)]
    boxes += [box(word, 100 * index, 122 + 6 * index) for index, word in enumerate(second)]

    lines = page_from_boxes(boxes).lines

    assert [line.text for line in lines] == [" ".join(first), " ".join(second)]
    # Each line keeps where each of its words is: the box around the whole bowed line takes in the next line's words.
    assert [part[0] for part in lines[0].parts] == [(100.0 * index, 100.0 + 6 * index) for index in range(len(first))]
    assert lines[1].parts[-1] == boxes[-1].corners


def test_lines_slanting_more_than_the_page_stay_apart():
    # The upper half of a photo in perspective: its lines slant 4 % more than the page's usual tilt, read
    # from the boxes' own slant.
    first = ["AMOXICILLINE", "1", "g", "gélule"]
    second = ["1", "gélule", "matin", "et", "soir"]
    boxes = [box(word, 110 * index, 200 + 4.4 * index, width=100, rise=-4.0) for index, word in enumerate(first)]
    boxes += [box(word, 110 * index, 221 + 4.4 * index, width=100, rise=-4.0) for index, word in enumerate(second)]
    level = [box("Signature", 0, 300, width=200)]

    lines = [line.text for line in page_from_boxes(boxes + level).lines]

    assert lines == [" ".join(first), " ".join(second), "Signature"]


def test_columns_on_one_row_are_one_line_in_reading_order():
    boxes = [box("Dr Jules DUBOIS", 0, 50, width=200), box("Toulouse, le 16/07/2026", 600, 52, width=250)]

    assert [line.text for line in page_from_boxes(boxes).lines] == ["Dr Jules DUBOIS Toulouse, le 16/07/2026"]
