"""Faces masked in clinical photos: a copy of the photo with every detected face blurred, shown instead of
the original to whoever does not hold the whole file (a share link, a scoped grant). The original stays as
it was taken, for the patient and the professionals with the whole file.

The faces are found by the function settings.PHOTO_FACE_DETECTOR names (faces/detection.py: the local
detector or Rekognition's DetectFaces). health_records sits below faces in the layers, so it is imported by
its dotted path, never by name.

The copy is made by a task (`record_file_mask_faces`), queued through the outbox on commit; these
functions are its services: asking for the copy, keeping it, saying it failed, and the sweeper that sends
again the copies whose task was lost.
"""

import io
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils.module_loading import import_string
from PIL import Image, ImageFilter

from access import policy
from access.policy import Action
from audit import services as audit
from audit.models import Action as AuditAction
from audit.models import ObjectType
from documents.uploads import PILLOW_FORMATS, decoded_image, without_transparency
from health_records.models import MaskStatus, RecordFile
from health_records.tasks import record_file_mask_faces as record_file_mask_faces_task
from relyfe import outbox
from relyfe.models import OutboxMessage

logger = logging.getLogger(__name__)

# A detected box holds the eyes, nose and mouth; the hair, ears and chin identify a person too. Each box is
# widened by this share of its width on each side, and of its height above and below.
MARGIN = 0.4
# The face is first reduced to this many blocks across (pixelated), then blurred: what is left is a few
# blobs of skin colour that neither a person nor the detector reads as a face.
BLOCKS_ACROSS = 6
# The detector is given a copy of at most this many pixels on its longest side (the local detector works on
# a smaller one still, and Rekognition takes 5 MB at most); the boxes are scaled back to the photo.
DETECTION_SIDE = 2000
# After blurring, the copy is searched again: a face the first pass missed or blurred too little is blurred
# with a wider margin. If faces are still found after these rounds, the whole photo is blurred.
ROUNDS = 3
JPEG_QUALITY = 88


@dataclass(frozen=True)
class MaskedPhoto:
    content: bytes
    face_count: int


@dataclass(frozen=True)
class Box:
    left: int
    top: int
    width: int
    height: int


def detector():
    return import_string(settings.PHOTO_FACE_DETECTOR)


def masked_photo(content: bytes, content_type: str) -> MaskedPhoto:
    """The photo upright, every face blurred, as a new JPEG with no metadata (no EXIF, no location), and how
    many faces the first search found. Raises what the decoder or the detector raise (UploadRefused for a
    damaged photo, FaceProblem, a Rekognition error): the task decides whether to try again."""
    # decoded_image turns the photo upright by its EXIF orientation: the boxes are found, and the copy is
    # made, on the photo as it is seen.
    image = without_transparency(decoded_image(content, PILLOW_FORMATS[content_type]))
    detect = detector()
    boxes = _faces(image, detect)
    face_count = len(boxes)
    margin = MARGIN
    for _round in range(ROUNDS):
        if not boxes:
            break
        for box in boxes:
            _blur(image, _widened(box, margin, image.size))
        boxes = _faces(image, detect)
        margin *= 1.5
    else:
        if boxes:
            # Still a face after every round: nothing of the photo is shown rather than a face.
            logger.warning("Faces still found after %s rounds of blurring: the whole photo is blurred", ROUNDS)
            _blur(image, Box(0, 0, image.width, image.height))
    return MaskedPhoto(content=_jpeg(image), face_count=face_count)


def _faces(image: Image.Image, detect) -> list[Box]:
    scale = max(image.size) / DETECTION_SIDE
    copy = image
    if scale > 1:
        copy = image.resize((round(image.width / scale), round(image.height / scale)), Image.Resampling.BILINEAR)
    else:
        scale = 1.0
    found = detect(_jpeg(copy))
    return [
        Box(round(face.left * scale), round(face.top * scale), round(face.width * scale), round(face.height * scale))
        for face in found
    ]


def _widened(box: Box, margin: float, size: tuple[int, int]) -> Box:
    width, height = size
    left = max(0, round(box.left - box.width * margin))
    top = max(0, round(box.top - box.height * margin))
    right = min(width, round(box.left + box.width * (1 + margin)))
    bottom = min(height, round(box.top + box.height * (1 + margin)))
    return Box(left, top, max(1, right - left), max(1, bottom - top))


def _blur(image: Image.Image, box: Box) -> None:
    """Pixelates the box to a few blocks, then blurs it so that no block edge draws a feature."""
    area = (box.left, box.top, box.left + box.width, box.top + box.height)
    region = image.crop(area)
    blocks_down = max(1, round(BLOCKS_ACROSS * box.height / box.width))
    small = region.resize((BLOCKS_ACROSS, blocks_down), Image.Resampling.BILINEAR, reducing_gap=3.0)
    region = small.resize(region.size, Image.Resampling.NEAREST)
    region = region.filter(ImageFilter.GaussianBlur(radius=max(2, box.width / (BLOCKS_ACROSS * 2))))
    image.paste(region, area[:2])


def _jpeg(image: Image.Image) -> bytes:
    output = io.BytesIO()
    image.save(output, format="JPEG", quality=JPEG_QUALITY)
    return output.getvalue()


# --- Services: asking for the copy, keeping it, saying it failed ------------------------------------------


def maskable(record_file: RecordFile) -> bool:
    return record_file.is_image and record_file.content_type in PILLOW_FORMATS


def record_files_mask(record_files) -> list[RecordFile]:
    """Queues the blurred copy of each photo among `record_files` that has none and none on its way (a file
    that failed is asked again). No access check: the callers decided (an upload, a share link, the
    comparison's toggle); the task takes the file's id only. Returns the files queued."""
    queued = []
    for record_file in record_files:
        if not maskable(record_file):
            continue
        asked = RecordFile.objects.filter(pk=record_file.pk).filter(
            Q(masked_status=MaskStatus.NONE) | Q(masked_status=MaskStatus.FAILED)
        )
        if asked.update(masked_status=MaskStatus.PENDING, masked_face_count=None):
            record_file.masked_status = MaskStatus.PENDING
            mask_run_finished(record_file.pk)  # a file asked again after failing gets its runs again
            outbox.enqueue(record_file_mask_faces_task, record_file.pk)
            queued.append(record_file)
    return queued


def record_files_mask_on_upload(record_files) -> None:
    """The upload form's "blur faces" checkbox, in the transaction that made the files (whose access event
    covers this): the photos among them are to be shown blurred, and their copies are asked for."""
    photos = [record_file for record_file in record_files if maskable(record_file)]
    RecordFile.objects.filter(pk__in=[photo.pk for photo in photos]).update(mask_faces=True)
    for photo in photos:
        photo.mask_faces = True
    record_files_mask(photos)


def record_file_mask_faces_set(*, actor, record_file: RecordFile, mask_faces: bool, request=None) -> RecordFile:
    """The comparison's "blur faces" toggle, and the upload's checkbox on a record just made: whether those
    who do not see the whole file get the blurred copy of this photo. Anyone who may change the record turns
    it on; only someone who sees the original turns it off (a scoped professional would otherwise unblur
    what they are shown blurred)."""
    record = record_file.record
    access = policy.require(actor, Action.UPDATE, record.patient, record=record)
    if not maskable(record_file):
        return record_file
    if not mask_faces and not policy.sees_unmasked_photos(access):
        raise PermissionDenied
    with transaction.atomic():
        changed = RecordFile.objects.filter(pk=record_file.pk).exclude(mask_faces=mask_faces)
        if not changed.update(mask_faces=mask_faces):
            return record_file
        audit.record(
            actor=actor,
            patient=record.patient,
            object_type=ObjectType.RECORD_FILE,
            object_id=record_file.public_id,
            action=AuditAction.UPDATE,
            access=access,
            request=request,
        )
        record_file.mask_faces = mask_faces
        if mask_faces:
            record_files_mask([record_file])
    record_file.refresh_from_db()
    return record_file


def record_file_set_masked(*, record_file: RecordFile, masked: MaskedPhoto) -> None:
    """Called by the task (no actor: it derives a picture from a stored file). Of two runs at once, the
    first to finish keeps its copy; the other's file is deleted. A photo without a face keeps no copy: the
    original shows nothing to blur."""
    if masked.face_count == 0:
        RecordFile.objects.filter(pk=record_file.pk, masked_status=MaskStatus.PENDING).update(
            masked_status=MaskStatus.NO_FACE, masked_face_count=0
        )
        return
    record_file.masked.save("masked", ContentFile(masked.content), save=False)
    name = record_file.masked.name
    done = RecordFile.objects.filter(pk=record_file.pk, masked_status=MaskStatus.PENDING, masked="").update(
        masked=name, masked_status=MaskStatus.READY, masked_face_count=masked.face_count
    )
    if not done:
        record_file.masked.storage.delete(name)


def record_file_mask_failed(*, record_file_id: int) -> None:
    """No copy will come: those who would see it are told so, and never shown the original instead."""
    RecordFile.objects.filter(pk=record_file_id, masked_status=MaskStatus.PENDING).update(
        masked_status=MaskStatus.FAILED
    )


def masks_sweep(now) -> None:
    """Registered with the outbox's sweeper: a photo still waiting for its copy STUCK_AFTER after its task
    was handed to the broker lost its task (a message the broker lost): it is sent again under the same key.
    What is bounded is the runs a worker started (`mask_run_started`), not the sends: with the workers
    stopped, the copy waits, and is made once one runs."""
    deadline = now - settings.STUCK_AFTER
    pending = RecordFile.objects.filter(masked_status=MaskStatus.PENDING).values_list("pk", flat=True)
    for record_file_id in pending[:SWEEP_BATCH]:
        key = outbox.default_key(record_file_mask_faces_task.name, (record_file_id,))
        message = OutboxMessage.objects.filter(key=key).first()
        if message is None or (message.state == OutboxMessage.State.FAILED):
            # The row was cleaned away, or the broker refused it until the outbox gave up: asked again.
            logger.info("Blurred copy of record file %s queued again", record_file_id)
            outbox.enqueue(record_file_mask_faces_task, record_file_id)
        elif message.state == OutboxMessage.State.SENT and message.sent_at and message.sent_at < deadline:
            logger.info("Blurred copy of record file %s sent again", record_file_id)
            outbox.resend(record_file_mask_faces_task, record_file_id)


# The runs of one copy's task are counted in the cache (the model keeps no count for them): a photo that
# kills the worker every time (acks_late gives it back to the broker, which sends it again) is tried
# STUCK_MAX_ATTEMPTS times, then marked failed. The count lives a day; a finished run clears it.
RUNS_KEPT_SECONDS = 24 * 60 * 60


def _runs_key(record_file_id: int) -> str:
    return f"record-file-mask-runs:{record_file_id}"


def mask_run_started(record_file_id: int) -> bool:
    """Counts a run of the task about to start; False once STUCK_MAX_ATTEMPTS runs started and none finished."""
    key = _runs_key(record_file_id)
    cache.add(key, 0, RUNS_KEPT_SECONDS)
    try:
        runs = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, RUNS_KEPT_SECONDS)
        runs = 1
    return runs <= settings.STUCK_MAX_ATTEMPTS


def mask_run_finished(record_file_id: int) -> None:
    cache.delete(_runs_key(record_file_id))


SWEEP_BATCH = 500
