"""What the timeline shows for a fixed set of records: months, titles, dates, kinds, file counts, authors,
tags, thumbnails, new-comment badges and links. The page is drawn from precomputed rows (for speed:
bench/load.py); these tests hold what a reader sees to what it was."""

import datetime

import pytest
from django.urls import reverse
from lxml import html

from access.models import Permission, Scope
from health_records.models import RecordKind, Tag
from sharing import services as sharing
from tests.factories import CommentFactory, GrantFactory, HealthRecordFactory, RecordFileFactory


@pytest.fixture
def alices_file(alice, bob):
    """Four records over two months: a photo with a preview, a report with two files and two tags, a record
    bob wrote with no file, and an older vaccination; an archived record the timeline never shows."""
    knee, heart = Tag.objects.create(patient=alice, name="genou"), Tag.objects.create(patient=alice, name="cardio")
    photo = HealthRecordFactory(
        patient=alice, kind=RecordKind.PHOTO, title="Genou, face", clinical_date=datetime.date(2026, 3, 20)
    )
    preview = RecordFileFactory(record=photo)
    preview.thumbnail.name = "thumbnails/ab/preview.jpg"
    preview.save(update_fields=["thumbnail"])
    report = HealthRecordFactory(patient=alice, title="IRM <genou>", clinical_date=datetime.date(2026, 3, 2))
    RecordFileFactory.create_batch(2, record=report, original_name="irm.pdf", content_type="application/pdf")
    report.tags.set([knee, heart])
    letter = HealthRecordFactory(
        patient=alice,
        author=bob,
        kind=RecordKind.PRESCRIPTION,
        title="Ordonnance",
        clinical_date=datetime.date(2026, 3, 1),
    )
    letter.tags.set([heart])
    vaccine = HealthRecordFactory(
        patient=alice, kind=RecordKind.VACCINATION, title="Vaccin grippe", clinical_date=datetime.date(2025, 10, 3)
    )
    RecordFileFactory(record=vaccine)
    archived = HealthRecordFactory(patient=alice, title="Ancien bilan", clinical_date=datetime.date(2026, 3, 5))
    archived.archived_at, archived.archived_by = archived.created_at, alice
    archived.save(update_fields=["archived_at", "archived_by"])
    CommentFactory.create_batch(2, record=report, author=bob, author_label="Bob")
    CommentFactory(record=letter, author=bob, author_label="Bob")
    return {"photo": photo, "preview": preview, "report": report, "letter": letter, "vaccine": vaccine}


def _select(element, selector: str) -> list:
    """`tag.class` or `.class` descendants (lxml's cssselect needs a package the project does not have)."""
    tag, _dot, name = selector.partition(".")
    return element.xpath(f".//{tag or '*'}[contains(concat(' ', normalize-space(@class), ' '), ' {name} ')]")


def _items(page: html.HtmlElement) -> list[dict]:
    """Each timeline item as a reader sees it (whitespace folded)."""

    def text(element) -> str:
        return " ".join(element.text_content().split()) if element is not None else ""

    items = []
    for item in _select(page, "li.timeline-item"):
        link = _select(item, "a.timeline-item__link")[0]
        thumbnail = _select(item, "img.timeline-item__thumb")
        icon = _select(item, "span.timeline-item__icon")
        time_element = item.xpath(".//time")[0]
        items.append(
            {
                "month": text(item.xpath("ancestor::section[1]/h2")[0]),
                "link": link.get("href"),
                "title": text(_select(item, ".timeline-item__title")[0]),
                "unread": text(next(iter(_select(item, ".badge--unread")), None)),
                "kind": text(_select(_select(item, ".timeline-item__meta")[0], ".badge")[0]),
                "date": (time_element.get("datetime"), text(time_element)),
                "meta": text(_select(item, ".timeline-item__meta")[0]),
                "tags": [text(tag) for tags in _select(item, ".tags") for tag in _select(tags, ".tag")],
                "thumbnail": thumbnail[0].get("src") if thumbnail else None,
                "icon": icon[0].get("class") if icon else None,
            }
        )
    return items


def _detail(record) -> str:
    return reverse("health_records:detail", args=[record.public_id])


def test_the_owner_sees_each_record_as_before(client, alice, bob, alices_file):
    client.force_login(alice)

    page = html.fromstring(client.get(reverse("health_records:timeline", args=[alice.public_id])).content.decode())

    photo, preview, report, letter, vaccine = (
        alices_file[name] for name in ("photo", "preview", "report", "letter", "vaccine")
    )
    assert [heading.text_content() for heading in _select(page, "h2.timeline-month__title")] == [
        "Mars 2026",
        "Octobre 2025",
    ]
    assert _items(page) == [
        {
            "month": "Mars 2026",
            "link": _detail(photo),
            "title": "Genou, face",
            "unread": "",
            "kind": "Photo",
            "date": ("2026-03-20", "20 mars 2026"),
            "meta": "Photo 20 mars 2026 · 1 fichier",
            "tags": [],
            "thumbnail": reverse("health_records:file_thumbnail", args=[preview.public_id]),
            "icon": None,
        },
        {
            "month": "Mars 2026",
            "link": _detail(report),
            "title": "IRM <genou> 2 nouveaux commentaires",
            "unread": "2 nouveaux commentaires",
            "kind": "Compte rendu médical",
            "date": ("2026-03-02", "2 mars 2026"),
            "meta": "Compte rendu médical 2 mars 2026 · 2 fichiers",
            "tags": ["cardio", "genou"],
            "thumbnail": None,
            "icon": "timeline-item__icon kind-medical_report",
        },
        {
            "month": "Mars 2026",
            "link": _detail(letter),
            "title": "Ordonnance 1 nouveau commentaire",
            "unread": "1 nouveau commentaire",
            "kind": "Ordonnance",
            "date": ("2026-03-01", "1 mars 2026"),
            "meta": f"Ordonnance 1 mars 2026 · par {bob.full_name}",
            "tags": ["cardio"],
            "thumbnail": None,
            "icon": "timeline-item__icon kind-prescription",
        },
        {
            "month": "Octobre 2025",
            "link": _detail(vaccine),
            "title": "Vaccin grippe",
            "unread": "",
            "kind": "Vaccination",
            "date": ("2025-10-03", "3 octobre 2025"),
            "meta": "Vaccination 3 octobre 2025 · 1 fichier",
            "tags": [],
            "thumbnail": None,
            "icon": "timeline-item__icon kind-vaccination",
        },
    ]


def test_a_professional_and_an_english_reader_see_the_same_records(client, alice, bob, alices_file):
    GrantFactory(patient=alice, professional=bob)
    client.force_login(bob)
    client.cookies["django_language"] = "en"

    page = html.fromstring(client.get(reverse("health_records:timeline", args=[alice.public_id])).content.decode())

    items = _items(page)
    assert [(item["month"], item["title"], item["date"][1], item["meta"]) for item in items] == [
        ("March 2026", "Genou, face", "20 March 2026", "Photo 20 March 2026 · 1 file"),
        ("March 2026", "IRM <genou>", "2 March 2026", "Medical report 2 March 2026 · 2 files"),
        ("March 2026", "Ordonnance", "1 March 2026", f"Prescription 1 March 2026 · by {bob.full_name}"),
        ("October 2025", "Vaccin grippe", "3 October 2025", "Vaccination 3 October 2025 · 1 file"),
    ]
    assert [item["tags"] for item in items] == [[], ["cardio", "genou"], ["cardio"], []]


def test_the_partial_page_and_the_next_pages_show_the_same_items(client, alice, alices_file, settings):
    settings.TIMELINE_PAGE_SIZE = 3
    client.force_login(alice)
    url = reverse("health_records:timeline", args=[alice.public_id])
    whole = _items(html.fromstring(client.get(url).content.decode()))

    partial = client.get(url, headers={"HX-Request": "true"})
    second = html.fromstring(client.get(url, {"page": 2}).content.decode())

    assert _items(html.fromstring(partial.content.decode())) == whole
    assert "<html" not in partial.content.decode()
    assert [item["title"] for item in _items(second)] == ["Vaccin grippe"]
    assert [heading.text_content() for heading in _select(second, "h2.timeline-month__title")] == ["Octobre 2025"]


def test_filters_and_an_empty_timeline_read_as_before(client, alice, alices_file):
    client.force_login(alice)
    url = reverse("health_records:timeline", args=[alice.public_id])

    by_tag = _items(html.fromstring(client.get(url, {"tag": "genou"}).content.decode()))
    nothing = html.fromstring(client.get(url, {"q": "introuvable"}).content.decode())

    assert [(item["title"], item["tags"]) for item in by_tag] == [
        ("IRM <genou> 2 nouveaux commentaires", ["cardio", "genou"])
    ]
    assert not _select(nothing, "li.timeline-item")
    assert "Aucun dossier ne correspond à ces filtres." in nothing.text_content()


def test_the_kind_filter_lists_every_kind_and_keeps_the_one_chosen(client, alice, alices_file):
    client.force_login(alice)
    url = reverse("health_records:timeline", args=[alice.public_id])

    def kind_select(query):
        page = html.fromstring(client.get(url, query).content.decode())
        (select,) = page.xpath(".//select[@id='id_kind'][@name='kind']")
        options = select.xpath("./option")
        chosen = [option.get("value") for option in options if option.get("selected") is not None]
        return [(option.get("value"), option.text_content()) for option in options], chosen

    options, chosen = kind_select({})
    photos, chosen_photos = kind_select({"kind": "photo"})

    assert options == [("", "Tous les types"), *((kind, str(label)) for kind, label in RecordKind.choices)]
    assert ("photo", "Photo") in options and ("vaccination", "Vaccination") in options
    assert (chosen, chosen_photos) == ([""], ["photo"])
    assert photos == options


def test_the_tag_filter_offers_the_tags_of_the_records_the_viewer_sees(client, alice, bob, alices_file):
    """The patient is offered the tags of their active records (not of an archived one); a professional whose
    grant covers one record is offered that record's tags only."""
    archived = HealthRecordFactory(patient=alice, title="Archivé")
    archived.tags.set([Tag.objects.create(patient=alice, name="ancien")])
    archived.archived_at, archived.archived_by = archived.created_at, alice
    archived.save(update_fields=["archived_at", "archived_by"])
    sharing.grant_give(
        actor=alice, professional=bob, scope=Scope.RECORDS, records=[alices_file["letter"]], permission=Permission.READ
    )

    def offered(viewer) -> list[str]:
        client.force_login(viewer)
        page = html.fromstring(client.get(reverse("health_records:timeline", args=[alice.public_id])).content)
        return [option.text_content() for option in page.xpath("//select[@name='tag']/option[@value!='']")]

    assert offered(alice) == ["cardio", "genou"]
    assert offered(bob) == ["cardio"]
