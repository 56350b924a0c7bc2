"""manage.py faces_compare with the local engine and the test photos."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.files import TEST_DATA

FACES = TEST_DATA / "faces"


def run(*arguments) -> str:
    output = StringIO()
    call_command("faces_compare", *arguments, stdout=output)
    return output.getvalue()


@pytest.fixture(autouse=True)
def local_engine(settings):
    settings.FACES_BACKEND = "local"
    settings.FACES_MATCH_THRESHOLD = 90.0
    # The site speaks French by default; the command speaks English to whoever runs it.
    settings.LANGUAGE_CODE = "fr"


def test_two_photos_of_one_person_match():
    first, second = str(FACES / "obama_1.jpg"), str(FACES / "obama_2.jpg")

    results = json.loads(run(first, second, "--json"))

    assert len(results) == 1
    assert results[0]["a"] == first
    assert results[0]["b"] == second
    assert results[0]["match"] is True
    assert 90.0 <= results[0]["similarity"] <= 100.0
    assert results[0]["error"] is None


def test_pairs_from_a_csv_file_give_one_result_each_in_order(tmp_path, monkeypatch):
    monkeypatch.chdir(FACES)
    pairs = tmp_path / "pairs.csv"
    pairs.write_text(
        "rose_leslie_1.jpg,rose_leslie_2.jpg\n"
        "\n"
        "obama_1.jpg, biden_1.jpg\n"
        "obama_1.jpg,missing.jpg\n"
        "group_two_people.jpg,obama_1.jpg\n"
        f"{tmp_path / 'pairs.csv'},obama_1.jpg\n"
    )

    results = json.loads(run("--pairs", str(pairs), "--json"))

    assert [(result["a"], result["b"]) for result in results] == [
        ("rose_leslie_1.jpg", "rose_leslie_2.jpg"),
        ("obama_1.jpg", "biden_1.jpg"),
        ("obama_1.jpg", "missing.jpg"),
        ("group_two_people.jpg", "obama_1.jpg"),
        (str(tmp_path / "pairs.csv"), "obama_1.jpg"),
    ]
    assert [result["match"] for result in results] == [True, False, None, None, None]
    assert results[1]["similarity"] < 90.0
    assert results[1]["error"] is None
    assert results[2] == {
        "a": "obama_1.jpg",
        "b": "missing.jpg",
        "similarity": None,
        "match": None,
        "error": "Cannot open missing.jpg: No such file or directory",
    }
    assert results[3]["similarity"] is None
    assert results[3]["error"].startswith("Several faces of similar size are in this photo.")
    assert results[4]["error"].startswith("This file could not be read as a photo")


def test_without_json_it_prints_a_table(monkeypatch):
    monkeypatch.chdir(FACES)

    output = run("obama_1.jpg", "biden_1.jpg")

    assert output.splitlines()[0] == "Engine local, match at a similarity of 90 or more."
    assert output.splitlines()[1].startswith("obama_1.jpg  biden_1.jpg  ")
    assert output.splitlines()[1].endswith("  no match")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ((), "Give two photos to compare"),
        (("obama_1.jpg",), "Give two photos to compare"),
        (("obama_1.jpg", "obama_2.jpg", "--pairs", "pairs.csv"), "not both"),
        (("--pairs", "no-such-file.csv"), "Cannot read no-such-file.csv"),
    ],
)
def test_wrong_arguments_are_a_command_error(arguments, message):
    with pytest.raises(CommandError, match=message):
        run(*arguments)


def test_a_csv_line_without_two_paths_is_a_command_error(tmp_path):
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("obama_1.jpg,obama_2.jpg\nobama_3.jpg\n")

    with pytest.raises(CommandError, match="line 2: two photo paths were expected"):
        run("--pairs", str(pairs))
