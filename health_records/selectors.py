"""Reads of health records. Each asks the access policy, answers 404 for what the user may not see,
and writes the access event of what it returns."""

import contextlib
import datetime
import uuid
from dataclasses import dataclass
from enum import StrEnum
from html import escape

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.dates import MONTHS
from django.utils.functional import cached_property
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from access import policy
from access.models import AccessPath
from access.policy import Access, Action, Channel
from accounts.models import Role, User
from audit import services as audit
from audit.models import Action as AuditAction
from audit.models import ObjectType
from health_records.models import HealthRecord, MaskStatus, RecordChange, RecordFile, RecordKind, StagedUpload, Tag


def patient_get_for_user(*, user, public_id, action: Action = Action.VIEW) -> tuple[User, Access]:
    """The patient whose data `user` wants, and by which path; 404 when there is none or no access."""
    # The signed-in patient's own file: their row is already loaded, no second query.
    patient = user if _is_own_file(user, public_id) else _active_patient(public_id)
    if patient is None:
        raise Http404
    access = policy.decide(user, action, patient)
    if not access:
        raise Http404
    return patient, access


# A patient's row by public id, in SQL: every page on someone else's file asks it, and the ORM took longer to
# build the query than the database to answer it (bench/timeline.py).
_ACTIVE_PATIENT = "SELECT * FROM {users} WHERE public_id = %s AND role = %s AND is_active = %s"


def _active_patient(public_id) -> User | None:
    try:
        key = User._meta.get_field("public_id").get_db_prep_value(public_id, connection)
    except ValidationError:  # not a UUID: nobody's
        return None
    sql = _ACTIVE_PATIENT.format(users=User._meta.db_table)
    return next(iter(User.objects.raw(sql, [key, Role.PATIENT.value, True])), None)


def _is_own_file(user, public_id) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and user.role == Role.PATIENT
        and str(user.public_id) == str(public_id).lower()
    )


def staged_uploads_of(*, owner, public_ids: list[str]) -> tuple[list[StagedUpload], bool]:
    """The kept files of `owner` among `public_ids`, and whether any id found nothing. Another user's id,
    an expired or used one and a malformed one are all the same "nothing": the answer tells nothing of them."""
    wanted = set()
    for value in public_ids:
        with contextlib.suppress(ValueError):
            wanted.add(uuid.UUID(str(value)))
    found = list(StagedUpload.objects.filter(owner=owner, public_id__in=wanted))
    return found, len(found) != len(set(public_ids))


def timeline_records(
    *,
    user,
    patient,
    access: Access,
    kind: str = "",
    tag: str = "",
    query: str = "",
    archived: bool = False,
    request=None,
    listed_as: ObjectType = ObjectType.TIMELINE,
) -> QuerySet[HealthRecord]:
    """The patient's records as `user` may see them, newest first, with what the timeline shows. An access
    that reaches no record (a caregiver who sees treatments only) has no timeline: 404. The access event says
    what the records were listed for (`listed_as`: the timeline, or a page drawn from them)."""
    _timeline_listed(user=user, patient=patient, access=access, request=request, listed_as=listed_as)
    records = HealthRecord.objects.filter(patient=patient)
    if access.records is not None:
        records = records.filter(access.records)
    # Only the patient (or their guardian) sees archived records (to restore them).
    records = records.archived() if archived and policy.keeps_the_file(access) else records.active()
    if kind:
        records = records.filter(kind=kind)
    if tag:
        records = records.filter(tags__name__iexact=tag)
    for word in query.split():
        in_file_names = RecordFile.objects.filter(record=OuterRef("pk"), original_name__folded=word)
        records = records.filter(Q(title__folded=word) | Q(description__folded=word) | Exists(in_file_names))
    return records.select_related("author").prefetch_related("tags", "files")


def _timeline_listed(*, user, patient, access: Access, request, listed_as: ObjectType = ObjectType.TIMELINE) -> None:
    """An access that reaches no record (a caregiver who sees treatments only) has no timeline: 404. Otherwise
    the listing's access event."""
    if not policy.reaches_records(access):
        raise Http404
    audit.record(
        actor=user,
        patient=patient,
        object_type=listed_as,
        object_id=None,
        action=AuditAction.LIST,
        access=access,
        request=request,
    )


@dataclass(slots=True)
class TimelineRecord:
    """What a timeline page reads of a record and its author: the page shows nothing else of them, and a
    model instance of each cost the page more than the query that reads them (bench/timeline.py)."""

    pk: int
    public_id: uuid.UUID
    kind: str
    title: str
    clinical_date: datetime.date
    author_id: int
    author_name: str
    patient: User  # the page's features ask for it (panels), without a query

    @property
    def patient_id(self) -> int:
        return self.patient.pk


# What a timeline page reads of its records and their authors (timeline_months reads files and tags).
_TIMELINE_COLUMNS = ("pk", "public_id", "kind", "title", "clinical_date", "author_id")
_TIMELINE_AUTHOR_COLUMNS = ("author__first_name", "author__last_name")

# A page of the timeline when nothing narrows it but the kind: a person opening their file, or a grant on the
# whole file. Written in SQL: the ORM took longer to build this query than the database to answer it
# (bench/timeline.py). On PostgreSQL the number of records of all the pages comes with the page (a window count,
# which reads the rows the count reads anyway): a round trip less. SQLite takes longer over a window than over
# two queries, and counts apart, as the Paginator does. The order is the model's (HealthRecord.Meta.ordering).
_PAGE_OF_RECORDS = (
    "SELECT record.id, CAST(record.public_id AS VARCHAR(36)), record.kind, record.title, record.clinical_date,"
    " record.author_id, author.first_name, author.last_name{total}"
    " FROM {records} record JOIN {users} author ON author.id = record.author_id WHERE {where}"
    " ORDER BY record.clinical_date DESC, record.created_at DESC LIMIT %s OFFSET %s"
)
_COUNT_OF_RECORDS = "SELECT COUNT(*) FROM {records} record WHERE {where}"

# A page number beyond this is out of range whatever the file (and its offset would overflow the database's).
_LAST_POSSIBLE_PAGE = 1_000_000


class _CountedPaginator(Paginator):
    """A Paginator over a page's rows read in SQL: it counts with `count_sql` when the page needs the count
    and no window gave it (`known_count`)."""

    def __init__(self, per_page: int, count_sql: str, params: list):
        super().__init__([], per_page)
        self.count_sql, self.params = count_sql, params
        self.known_count: int | None = None

    @cached_property
    def count(self) -> int:
        if self.known_count is None:
            return _rows(self.count_sql, self.params)[0][0]
        return self.known_count


def timeline_page(
    *,
    user,
    patient,
    access: Access,
    number,
    kind: str = "",
    tag: str = "",
    query: str = "",
    archived: bool = False,
    request=None,
) -> Page:
    """Page `number` of `timeline_records(...)`, as Django's Paginator.get_page answers it (not a number: the
    first page; out of range: the last), of TimelineRecord: only what the timeline shows (files and tags:
    timeline_months)."""
    per_page = settings.TIMELINE_PAGE_SIZE
    if access.records is not None or tag or query:
        records = timeline_records(
            user=user,
            patient=patient,
            access=access,
            request=request,
            kind=kind,
            tag=tag,
            query=query,
            archived=archived,
        )
        lean = (
            records.prefetch_related(None)
            .select_related(None)
            .values_list(*_TIMELINE_COLUMNS, *_TIMELINE_AUTHOR_COLUMNS)
        )
        page = Paginator(lean, per_page).get_page(number)
        rows = list(page.object_list)
    else:
        _timeline_listed(user=user, patient=patient, access=access, request=request)
        archived = archived and policy.keeps_the_file(access)  # as timeline_records reads it
        where = f"record.patient_id = %s AND record.archived_at IS {'NOT ' if archived else ''}NULL"
        params = [patient.pk]
        if kind:
            where, params = f"{where} AND record.kind = %s", [*params, kind]
        page, rows = _page_in_sql(where, params, per_page, number)
    page.object_list = [
        # The public id comes as text from SQL (see _FILES_AND_TAGS), as a UUID from the ORM.
        TimelineRecord(pk, uuid.UUID(str(public_id)), kind, title, day, author_id, f"{first} {last}".strip(), patient)
        for pk, public_id, kind, title, day, author_id, first, last, *_total in rows
    ]
    return page


def _page_in_sql(where: str, params: list, per_page: int, number) -> tuple[Page, list[tuple]]:
    tables = {"records": HealthRecord._meta.db_table, "users": User._meta.db_table}
    windowed = connection.vendor == "postgresql"
    paginator = _CountedPaginator(per_page, _COUNT_OF_RECORDS.format(where=where, **tables), params)
    try:
        wanted = int(number)
    except (TypeError, ValueError):
        wanted = 1  # as the Paginator reads what is not a number
    sql = _PAGE_OF_RECORDS.format(where=where, total=", COUNT(*) OVER ()" if windowed else "", **tables)
    if 1 <= wanted <= _LAST_POSSIBLE_PAGE:
        rows = _rows(sql, [*params, per_page, (wanted - 1) * per_page])
        if rows:
            if windowed:
                paginator.known_count = rows[0][-1]
            return Page(rows, wanted, paginator), rows
    # Out of range, or no record: the last page (the first when there is none), as the Paginator chooses.
    last = paginator.num_pages
    rows = _rows(sql, [*params, per_page, (last - 1) * per_page]) if paginator.count else []
    return Page(rows, last, paginator), rows


@dataclass(frozen=True)
class TimelineItem:
    """A record as the timeline draws it, made in one pass in Python: resolving related objects, formatting
    dates and translating in the template cost the page most of its time."""

    record: TimelineRecord
    html: SafeString  # the whole <li> (_item_html)


def _url_maker(view_name: str):
    """A function public_id -> URL of `view_name`: reversed once, then filled in (reverse costs more)."""
    placeholder = uuid.UUID(int=0)
    prefix, suffix = reverse(view_name, args=[placeholder]).split(str(placeholder))
    return lambda public_id: f"{prefix}{public_id}{suffix}"


def _rows(sql: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# The files and tags of a timeline page's records, in one query of SQL: the page makes it on every visit, where
# the ORM spent ten times as long building two queries as the database answering them (bench/timeline.py).
# Files first (part 0), in upload order; then tags (part 1), by name. The public id is read as text: SQLite
# keeps its 32 hex digits, PostgreSQL writes the usual form; uuid.UUID reads both.
_FILES_AND_TAGS = (
    "SELECT 0, record_id, uploaded_at, id, CAST(public_id AS VARCHAR(36)), thumbnail FROM {files}"
    " WHERE record_id IN ({ids})"
    " UNION ALL SELECT 1, link.healthrecord_id, NULL, NULL, tag.name, NULL FROM {links} link"
    " JOIN {tags} tag ON tag.id = link.tag_id WHERE link.healthrecord_id IN ({ids})"
    " ORDER BY 1, 3, 4, 5"
)


# A timeline item. Written here rather than in a template: the template engine took three times as long to
# draw 25 of them as the rest of the page (bench/timeline.py). Every value is escaped (_item_html).
_ITEM = (
    '<li class="timeline-item"><a class="timeline-item__link" href="{url}">{picture}'
    '<span class="timeline-item__body"><span class="timeline-item__title">{title}{badge}</span>'
    '<span class="timeline-item__meta"><span class="badge">{kind_label}</span> '
    '<time datetime="{date}">{date_label}</time>{files}{author}</span>{tags}</span></a></li>'
)
_THUMBNAIL = '<img class="timeline-item__thumb" src="{}" alt="" loading="lazy" width="64" height="64">'
_KIND_ICON = '<span class="timeline-item__icon kind-{}" aria-hidden="true"></span>'


def _item_html(fields: dict, badge: str) -> SafeString:
    """`badge` is markup a feature drew (panels: record_badges); every other value is text, escaped here
    (html.escape: the same five characters as Django's escape, without its lazy-string checks)."""
    text = {name: escape(value) for name, value in fields.items() if isinstance(value, str)}
    picture = _THUMBNAIL.format(text["thumbnail_url"]) if text["thumbnail_url"] else _KIND_ICON.format(text["kind"])
    tags = "".join(f'<span class="tag">{escape(name)}</span>' for name in fields["tag_names"])
    item = _ITEM.format(
        url=text["url"],
        picture=picture,
        title=text["title"],
        badge=badge,
        kind_label=text["kind_label"],
        date=text["date"],
        date_label=text["date_label"],
        files=f" · {text['files_label']}" if text["files_label"] else "",
        author=f" · {text['author_label']}" if text["author_label"] else "",
        tags=f'<span class="tags">{tags}</span>' if tags else "",
    )
    return mark_safe(item)  # noqa: S308  # nosec B308 B703  # every value in it is escaped above


def timeline_months(
    records: list[TimelineRecord], *, badges: dict[int, SafeString] | None = None
) -> list[tuple[str, list[TimelineItem]]]:
    """A timeline page's records by month ("Mars 2026", in the active language), each with what it shows
    and `badges[record.pk]` after its title (what other features draw: panels, record_badges).
    `records` come from `timeline_records`, which checked access and wrote the event; their files (in upload
    order: the first one is the record's picture) and tags are read here, in one query of the columns shown."""
    badges = badges or {}
    ids = [record.pk for record in records]
    files: dict[int, list[tuple[uuid.UUID, str]]] = {}
    tags: dict[int, list[str]] = {}
    if ids:
        tables = {"files": RecordFile._meta.db_table, "links": HealthRecord.tags.through._meta.db_table}
        sql = _FILES_AND_TAGS.format(ids=", ".join(["%s"] * len(ids)), tags=Tag._meta.db_table, **tables)
        for part, record_id, _uploaded_at, _id, value, thumbnail in _rows(sql, [*ids, *ids]):
            if part == 0:
                files.setdefault(record_id, []).append((uuid.UUID(value), thumbnail))
            else:
                tags.setdefault(record_id, []).append(value)
    record_url, thumbnail_url = _url_maker("health_records:detail"), _url_maker("health_records:file_thumbnail")
    kind_labels = {kind: str(label) for kind, label in RecordKind.choices}
    month_names = {number: str(name) for number, name in MONTHS.items()}
    months: dict[str, list[TimelineItem]] = {}
    for record in records:
        record_files = files.get(record.pk, [])
        day = record.clinical_date
        month = f"{month_names[day.month]} {day.year:04d}"
        file_count = len(record_files)
        # What the item shows: ISO date for <time datetime>, the date as the `date:"j F Y"` filter writes it,
        # "3 files" ("" without a file), "by Dr Martin" ("" when the patient wrote the record).
        fields = {
            "title": record.title,
            "kind": record.kind,
            "kind_label": kind_labels.get(record.kind, record.kind),
            "url": record_url(record.public_id),
            "thumbnail_url": thumbnail_url(record_files[0][0]) if record_files and record_files[0][1] else "",
            "date": day.isoformat(),
            "date_label": f"{day.day} {month}",
            "files_label": ngettext("%(count)s file", "%(count)s files", file_count) % {"count": file_count}
            if file_count
            else "",
            "author_label": _("by %(name)s") % {"name": record.author_name}
            if record.author_id != record.patient_id
            else "",
            "tag_names": tags.get(record.pk, []),
        }
        item = TimelineItem(record=record, html=_item_html(fields, badges.get(record.pk, "")))
        months.setdefault(capfirst(month), []).append(item)
    return list(months.items())


# The tags of a patient's active records, for the timeline's filter (when the access covers every record).
_TAGS_OF_ACTIVE_RECORDS = (
    "SELECT tag.name FROM {tags} tag WHERE tag.patient_id = %s AND EXISTS (SELECT 1 FROM {links} link"
    " JOIN {records} record ON record.id = link.healthrecord_id WHERE link.tag_id = tag.id"
    " AND record.archived_at IS NULL) ORDER BY tag.name"
)


def patient_tags(*, patient, access: Access) -> list[str]:
    """The names of the tags on the active records `access` covers, for the timeline's filter."""
    if access.records is None:  # the whole file: the common case, in SQL (see _FILES_AND_TAGS)
        tables = {"tags": Tag._meta.db_table, "records": HealthRecord._meta.db_table}
        sql = _TAGS_OF_ACTIVE_RECORDS.format(links=HealthRecord.tags.through._meta.db_table, **tables)
        return [name for (name,) in _rows(sql, [patient.pk])]
    records = HealthRecord.objects.filter(patient=patient).active().filter(access.records)
    return list(Tag.objects.filter(records__in=records).distinct().values_list("name", flat=True))


def _access_to(*, user, record: HealthRecord, action: Action, channel: Channel = Channel.APP) -> Access:
    access = policy.decide(user, action, record.patient, channel=channel, record=record)
    if not access or (record.is_archived and not (policy.keeps_the_file(access) or access.path == AccessPath.STAFF)):
        raise Http404
    return access


def _record_with_access(*, user, public_id, action: Action) -> tuple[HealthRecord, Access]:
    record = HealthRecord.objects.select_related("patient", "author").filter(public_id=public_id).first()
    if record is None:
        raise Http404
    return record, _access_to(user=user, record=record, action=action)


def health_record_for_action(*, user, public_id, action: Action) -> tuple[HealthRecord, Access]:
    """The record `user` is about to change; the service that changes it writes the access event."""
    return _record_with_access(user=user, public_id=public_id, action=action)


def health_record_get_for_user(
    *, user, public_id, request=None, channel: Channel = Channel.APP
) -> tuple[HealthRecord, Access]:
    """The record page: the record with its files, tags and history. Writes a `view` event."""
    record = HealthRecord.objects.select_related("patient").filter(public_id=public_id).first()
    if record is None:
        raise Http404
    access = _access_to(user=user, record=record, action=Action.VIEW, channel=channel)
    record = (
        HealthRecord.objects.filter(pk=record.pk)
        .select_related("patient", "author", "archived_by")
        .prefetch_related("tags", "files", Prefetch("changes", RecordChange.objects.select_related("actor")))
        .get()
    )
    audit.record(
        actor=user,
        patient=record.patient,
        object_type=ObjectType.HEALTH_RECORD,
        object_id=record.public_id,
        action=AuditAction.VIEW,
        access=access,
        request=request,
    )
    return record, access


def record_file_get_for_user(
    *, user, public_id, request=None, audited: bool = True, channel: Channel = Channel.APP
) -> RecordFile:
    """A file `user` may reach, whichever of its versions they are shown (record_file_shown_to_user). Writes a
    `download` event unless it is a thumbnail shown on an audited page."""
    return record_file_shown_to_user(
        user=user, public_id=public_id, request=request, audited=audited, channel=channel
    ).record_file


def record_file_for_action(*, user, public_id, action: Action) -> RecordFile:
    """The file `user` is about to act on (its record's access decides); the service writes the access event."""
    record_file = RecordFile.objects.select_related("record__patient").filter(public_id=public_id).first()
    if record_file is None:
        raise Http404
    _access_to(user=user, record=record_file.record, action=action)
    return record_file


def patient_photos(*, user, patient, access: Access, request=None) -> list[RecordFile]:
    """The images of the patient's active photo records that `user` may see, oldest first.
    Reads through the timeline, which writes the access event."""
    records = timeline_records(user=user, patient=patient, access=access, kind=RecordKind.PHOTO, request=request)
    return list(
        RecordFile.objects.filter(record__in=records.values("pk"), content_type__startswith="image/")
        .select_related("record")
        .order_by("record__clinical_date", "record__created_at", "uploaded_at", "id")
    )


def _site_key(body_site: str) -> str:
    return " ".join(body_site.split()).casefold()


def photos_by_site(photos: list[RecordFile]) -> list[tuple[str, list[RecordFile]]]:
    """(body site, its photos in time order) by site name; photos without a site come last, under ""."""
    groups: dict[str, tuple[str, list[RecordFile]]] = {}
    for photo in photos:
        key = _site_key(photo.record.body_site)
        groups.setdefault(key, (" ".join(photo.record.body_site.split()), []))[1].append(photo)
    return [groups[key] for key in sorted(groups, key=lambda key: (key == "", key))]


def patient_body_sites(*, patient, access: Access) -> list[str]:
    """The body sites already used on the records `access` covers, for the new-record form's suggestions."""
    records = HealthRecord.objects.filter(patient=patient).active().exclude(body_site="")
    if access.records is not None:
        records = records.filter(access.records)
    sites: dict[str, str] = {}
    for site in records.order_by("body_site").values_list("body_site", flat=True):
        sites.setdefault(_site_key(site), site)
    return list(sites.values())


def latest_site_photo(*, user, patient_id, body_site: str, request=None) -> RecordFile | None:
    """The most recent photo of `body_site` (as the gallery groups sites: spaces and case aside) among the
    patient's active photo records that `user` may see: the first image of the latest such record, for the
    camera's overlay on the new-record form. None when there is none. 404 for a patient `user` may not see.
    Writes a `view` event of the file it returns: the answer shows that the photo exists, and when."""
    patient, access = patient_get_for_user(user=user, public_id=patient_id)
    if not policy.reaches_records(access):
        raise Http404
    site = _site_key(body_site)
    if not site:
        return None
    records = HealthRecord.objects.filter(patient=patient, kind=RecordKind.PHOTO).active().exclude(body_site="")
    if access.records is not None:
        records = records.filter(access.records)
    # Compared in Python: the database's case-insensitive match is not Python's casefold beyond ASCII.
    same_site = [pk for pk, name in records.values_list("pk", "body_site") if _site_key(name) == site]
    photo = (
        RecordFile.objects.filter(record_id__in=same_site, content_type__startswith="image/")
        .select_related("record__patient")
        .order_by("-record__clinical_date", "-record__created_at", "uploaded_at", "id")
        .first()
    )
    if photo is None:
        return None
    file_access = _access_to(user=user, record=photo.record, action=Action.DOWNLOAD)
    audit.record(
        actor=user,
        patient=patient,
        object_type=ObjectType.RECORD_FILE,
        object_id=photo.public_id,
        action=AuditAction.VIEW,
        access=file_access,
        request=request,
    )
    return photo


@dataclass
class Comparison:
    record: HealthRecord
    access: Access
    photos: list[RecordFile]
    left: RecordFile
    right: RecordFile
    # The comparisons of these two photos already saved, newest first.
    saved: list[HealthRecord]


def _photo_chosen(photos: list[RecordFile], public_id) -> RecordFile | None:
    if not public_id:
        return None
    chosen = next((photo for photo in photos if str(photo.public_id) == str(public_id)), None)
    if chosen is None:
        raise Http404
    return chosen


def _previous_photo(photos: list[RecordFile], record: HealthRecord, right: RecordFile) -> RecordFile:
    """The photo of the same site taken just before `record`; failing that, the one just before it of any
    site, then any other photo (the comparison then starts on the same photo when there is only one)."""
    position = (record.clinical_date, record.created_at)
    before = [photo for photo in photos if (photo.record.clinical_date, photo.record.created_at) < position]
    same_site = [photo for photo in before if _site_key(photo.record.body_site) == _site_key(record.body_site)]
    others = [photo for photo in photos if photo.record_id != record.pk]
    for candidates in (same_site, before, others):
        if candidates:
            return candidates[-1]
    return right


def comparison_for_user(*, user, record_id, left_id=None, right_id=None, request=None) -> Comparison:
    """The comparison opened from a photo record: its first image on the right, the previous photo of the
    same body site on the left, unless the user chose others among the patient's photos."""
    record, access = health_record_get_for_user(user=user, public_id=record_id, request=request)
    images = [record_file for record_file in record.files.all() if record_file.is_image]
    if record.kind != RecordKind.PHOTO or record.is_archived or not images:
        raise Http404
    photos = patient_photos(user=user, patient=record.patient, access=access, request=request)
    right = _photo_chosen(photos, right_id) or next((photo for photo in photos if photo.pk == images[0].pk), images[0])
    left = _photo_chosen(photos, left_id) or _previous_photo(photos, record, right)
    saved = saved_comparisons_of(patient=record.patient, access=access, photos=[left, right], of_both=True)
    return Comparison(record=record, access=access, photos=photos, left=left, right=right, saved=saved)


def saved_comparisons_of(*, patient, access: Access, photos: list[RecordFile], of_both: bool) -> list[HealthRecord]:
    """The saved comparisons (kind COMPARISON, active) that `access` covers and that were made from both of
    `photos` (`of_both`, the pair on the comparison page) or from any of them (a photo's page), newest
    first. Read on a page that already wrote its access event."""
    records = HealthRecord.objects.filter(patient=patient, kind=RecordKind.COMPARISON).active()
    if access.records is not None:
        records = records.filter(access.records)
    if of_both:
        for photo in photos:
            records = records.filter(compared_files=photo)
    else:
        records = records.filter(compared_files__in=photos)
    return list(records.distinct().order_by("-created_at", "-id"))


def _uuid_or_404(value) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError as error:
        raise Http404 from error


def photo_files_for_comparison(*, user, left_id, right_id) -> tuple[RecordFile, RecordFile]:
    """The two photos `user` wants to save as a comparison; 404 for one they may not see. The service
    that saves it writes the access event."""
    found = []
    for public_id in (left_id, right_id):
        record_file = (
            RecordFile.objects.select_related("record__patient").filter(public_id=_uuid_or_404(public_id)).first()
        )
        # A saved comparison is never the source of another: only the images of photo records are.
        if record_file is None or record_file.record.kind != RecordKind.PHOTO or not record_file.is_image:
            raise Http404
        _access_to(user=user, record=record_file.record, action=Action.VIEW)
        found.append(record_file)
    return found[0], found[1]


class PhotoVersion(StrEnum):
    """Which bytes of a file a viewer is given (health_records/masking.py)."""

    ORIGINAL = "original"
    MASKED = "masked"
    # The copy with the faces blurred is asked for and not made yet, or could not be made: a placeholder
    # says so. Never the original instead.
    BEING_MADE = "being_made"
    NOT_MADE = "not_made"


def masking_asked(record_file: RecordFile, access: Access) -> bool:
    """Whether `access` is to see `record_file` with its faces blurred: a photo, seen by someone who does not
    hold the whole file (a share link, a scoped grant), when the photo asks it or the share link does."""
    if not record_file.is_image or policy.sees_unmasked_photos(access):
        return False
    # getattr: ShareLinkLike, the policy's view of a link, does not name the field.
    return record_file.mask_faces or bool(access.link is not None and getattr(access.link, "mask_faces", False))


def photo_version_for(record_file: RecordFile, access: Access) -> PhotoVersion:
    """The original for the patient and the whole file; otherwise, when masking is asked, the blurred copy
    once made (or the original of a photo in which no face was found), a placeholder until then."""
    if not masking_asked(record_file, access):
        return PhotoVersion.ORIGINAL
    status = record_file.masked_status
    if status == MaskStatus.READY and record_file.masked:
        return PhotoVersion.MASKED
    if status == MaskStatus.NO_FACE:
        return PhotoVersion.ORIGINAL
    if status == MaskStatus.FAILED:
        return PhotoVersion.NOT_MADE
    return PhotoVersion.BEING_MADE


@dataclass(frozen=True)
class ShownFile:
    record_file: RecordFile
    access: Access
    version: PhotoVersion


def record_file_shown_to_user(
    *, user, public_id, request=None, audited: bool = True, channel: Channel = Channel.APP
) -> ShownFile:
    """A file to stream, and which of its versions `user` is given (`photo_version_for`). Writes a
    `download` event unless it is a thumbnail shown on an audited page."""
    record_file = RecordFile.objects.select_related("record__patient").filter(public_id=public_id).first()
    if record_file is None:
        raise Http404
    access = _access_to(user=user, record=record_file.record, action=Action.DOWNLOAD, channel=channel)
    if audited:
        audit.record(
            actor=user,
            patient=record_file.record.patient,
            object_type=ObjectType.RECORD_FILE,
            object_id=record_file.public_id,
            action=AuditAction.DOWNLOAD,
            access=access,
            request=request,
        )
    return ShownFile(record_file=record_file, access=access, version=photo_version_for(record_file, access))


def record_file_masked_for_user(*, user, public_id, request=None) -> ShownFile:
    """The copy of a photo with its faces blurred, for whoever may see the photo: what a share link or a
    scoped professional is shown (the comparison's preview). 404 for a photo whose copy was never asked."""
    shown = record_file_shown_to_user(user=user, public_id=public_id, request=request)
    record_file = shown.record_file
    if shown.version != PhotoVersion.ORIGINAL or not record_file.is_image:
        return shown
    versions: dict[str, PhotoVersion] = {
        MaskStatus.READY: PhotoVersion.MASKED if record_file.masked else PhotoVersion.BEING_MADE,
        MaskStatus.NO_FACE: PhotoVersion.ORIGINAL,
        MaskStatus.PENDING: PhotoVersion.BEING_MADE,
        MaskStatus.FAILED: PhotoVersion.NOT_MADE,
    }
    version = versions.get(record_file.masked_status)
    if version is None:
        raise Http404
    return ShownFile(record_file=record_file, access=shown.access, version=version)
