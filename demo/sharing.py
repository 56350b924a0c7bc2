"""Alice's demo sharing: bob in her care team, her emergency page on, a link to two of her records."""

from django.urls import reverse

from access.models import Grant, Permission, Scope
from comments import services as comments
from comments.models import Comment
from relyfe.web import absolute_url
from sharing import services
from sharing.models import EmergencyProfile, ShareLink
from treatments import allergy_services
from treatments.models import Allergy, DrugClass

EMERGENCY = {
    "enabled": True,
    "blood_group": "A+",
    "allergies": "Pénicilline (éruption cutanée)",
    "conditions": "Hypothyroïdie",
    "treatments": "Vitamine D 100 000 UI, une ampoule tous les trois mois",
    "show_current_treatments": True,
    "emergency_contacts": "Paul Martin (conjoint) — 06 12 34 56 78",
    "treating_doctor": "Dr Bob Bernard, Lyon",
    "organ_donation": "yes",
}


def create_alice_sharing(*, alice, bob, emma) -> list[str]:
    """Sets up what is missing and returns lines to print for the developer."""
    lines = []
    if not Grant.objects.active().filter(patient=alice, professional=bob).exists():
        services.grant_give(actor=alice, professional=bob, scope=Scope.ALL, permission=Permission.CONTRIBUTE)
    if not Grant.objects.active().filter(patient=alice, professional=emma).exists():
        services.grant_give(actor=alice, professional=emma, scope=Scope.ALL, permission=Permission.COMMENT)
    _discussion(alice=alice, bob=bob, emma=emma)
    profile = services.emergency_profile_ensure(patient=alice)
    if not profile.enabled:
        services.emergency_profile_update(
            actor=alice, profile=profile, fields=EMERGENCY, visible_sections=EmergencyProfile.SECTIONS
        )
    _structured_allergy(alice=alice)
    token = services.emergency_token_of(profile)
    lines.append(
        f"Alice's emergency page (Heart-Code): {absolute_url(reverse('sharing:emergency_page', args=[token]))}"
    )
    if not ShareLink.objects.usable().filter(patient=alice).exists():
        records = alice.health_records.active().filter(kind__in=["lab_result", "imaging"])[:2]
        _link, token, _passcode = services.share_link_create(
            actor=alice, records=records, label="Dr Durand (radiologue)"
        )
        lines.append(f"Alice's share link to two records: {absolute_url(reverse('sharing:link_open', args=[token]))}")
    return lines


def _structured_allergy(*, alice):
    """Her penicillin allergy as data, on her emergency page: the amoxicillin of her treatment is flagged."""
    if not Allergy.objects.filter(patient=alice, drug_class=DrugClass.PENICILLINS, removed_at__isnull=True).exists():
        allergy_services.allergy_add(
            actor=alice,
            patient=alice,
            label="Pénicilline",
            drug_class=DrugClass.PENICILLINS,
            reaction="Éruption cutanée",
            severity=Allergy.Severity.MODERATE,
            on_emergency_profile=True,
        )


def _discussion(*, alice, bob, emma):
    """Bob and Emma talk about alice's knee: one comment for everyone, one for professionals only."""
    record = alice.health_records.filter(title__startswith="Cicatrice genou gauche — J+60").first()
    if record is None or Comment.objects.filter(record=record).exists():
        return
    comments.comment_create(
        actor=bob, record=record, text="La cicatrisation est belle, on peut espacer les pansements."
    )
    comments.comment_create(
        actor=emma,
        record=record,
        visibility="professionals",
        text=f"@[{bob.full_name}]({bob.public_id}) léger œdème au genou ce matin, à surveiller à J+75 ?",
    )
