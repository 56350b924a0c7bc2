"""What a face search's similarities mean, in words: a strong match, a possible match, or ambiguous when two
patients are about as alike to the photo. The bands come from the settings (calibrated for the local model
in faces/engine/local.py, Rekognition's own scale otherwise); neither opens a file by itself."""

from collections.abc import Sequence

from django.conf import settings

from faces.models import MatchBand


def band_of(similarity: float) -> MatchBand | None:
    """The band of one similarity, None under the match threshold."""
    if similarity >= settings.FACES_STRONG_MATCH_THRESHOLD:
        return MatchBand.STRONG
    if similarity >= settings.FACES_MATCH_THRESHOLD:
        return MatchBand.POSSIBLE
    return None


def is_ambiguous(similarities: Sequence[float]) -> bool:
    """Whether the best two patients (one similarity each, best first) are too close to tell apart: then
    neither is picked. One patient alone, or a strong match well ahead of the next, is not ambiguous."""
    matched = [similarity for similarity in similarities if band_of(similarity) is not None]
    if len(matched) < 2:
        return False
    best, second = matched[0], matched[1]
    return band_of(best) == band_of(second) or best - second < settings.FACES_AMBIGUITY_MARGIN
