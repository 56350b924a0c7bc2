"""The checks run on medications before they are added, changed or confirmed from a reading."""

from collections.abc import Sequence

from django.utils.translation import gettext, pgettext_lazy

from treatments import lexicon
from treatments.models import Allergy, DrugClass, Medication, TreatmentStatus, patient_today

from .base import HIGH, MODERATE, Candidate, Code, SafetyWarning
from .classes import ALLERGY_CLASSES, belongs
from .doses import daily_dose_warnings, intake
from .interactions import CONTRAINDICATED, Ingredient, Interaction, Product, interaction_checker
from .substances import display_name, split_substances, substance_key

SEVERITY_ORDER = {HIGH: 0, MODERATE: 1}
# The words of a warning's sentence (the model's labels are a form's).
KIND_WORDS = {
    Allergy.Kind.ALLERGY: pgettext_lazy("safety warning", "Allergy"),
    Allergy.Kind.INTOLERANCE: pgettext_lazy("safety warning", "Intolerance"),
}
CLASS_WORDS = {
    DrugClass.PENICILLINS: pgettext_lazy("drug class in a sentence", "penicillins"),
    DrugClass.CEPHALOSPORINS: pgettext_lazy("drug class in a sentence", "cephalosporins"),
    DrugClass.CARBAPENEMS: pgettext_lazy("drug class in a sentence", "carbapenems"),
    DrugClass.SULFONAMIDES: pgettext_lazy("drug class in a sentence", "sulfonamides"),
    DrugClass.NSAIDS: pgettext_lazy("drug class in a sentence", "anti-inflammatory drugs and aspirin"),
    DrugClass.MACROLIDES: pgettext_lazy("drug class in a sentence", "macrolides"),
    DrugClass.FLUOROQUINOLONES: pgettext_lazy("drug class in a sentence", "fluoroquinolones"),
    DrugClass.OPIOIDS: pgettext_lazy("drug class in a sentence", "opioids"),
    DrugClass.IODINATED_CONTRAST: pgettext_lazy("drug class in a sentence", "iodinated contrast media"),
}


def substances_of(candidate: Candidate) -> list[str]:
    """The substances a medication holds, as written on it, or as the lexicon knows its CIS code."""
    if candidate.substance:
        return split_substances(candidate.substance)
    drug = lexicon.get(candidate.cis) if candidate.cis else None
    return split_substances(drug.substances) if drug else []


def product_of(candidate: Candidate) -> Product:
    names = list({substance_key(name): name for name in substances_of(candidate)}.items())
    ingredients = []
    for key, name in names:
        amount = intake(candidate, key, len(names))
        ingredients.append(Ingredient(key, display_name(name), amount.milligrams if amount else None))
    return Product(cis=candidate.cis, name=candidate.name, ingredients=tuple(ingredients))


def _allergy_warnings(product: Product, allergies: Sequence[Allergy]) -> list[SafetyWarning]:
    warnings = []
    for allergy in allergies:
        if allergy.removed_at is not None or allergy.drug_class == DrugClass.LATEX:
            continue
        allergen = substance_key(allergy.substance) if allergy.substance else ""
        for ingredient in product.ingredients:
            values = {
                "kind": KIND_WORDS.get(allergy.kind, KIND_WORDS[Allergy.Kind.ALLERGY]),
                "allergy": allergy.label,
                "substance": ingredient.name,
            }
            if allergen and ingredient.key == allergen:
                key, source = f"substance:{ingredient.key}", allergy.label
                message = gettext(
                    "%(kind)s recorded: “%(allergy)s”. This medication contains: %(substance)s. Do not take it "
                    "unless a doctor or a pharmacist confirms it."
                )
            elif allergy.drug_class and belongs(ingredient.key, allergy.drug_class):
                definition = ALLERGY_CLASSES[DrugClass(allergy.drug_class)]
                key, source = f"{allergy.drug_class}:{ingredient.key}", definition.source
                values["class"] = CLASS_WORDS[DrugClass(allergy.drug_class)]
                message = gettext(
                    "%(kind)s recorded: “%(allergy)s” (%(class)s). %(substance)s is one of them. Do not take it "
                    "unless a doctor or a pharmacist confirms it."
                )
            else:
                continue
            warnings.append(
                SafetyWarning(
                    code=Code.ALLERGY,
                    key=key,
                    blocking=True,
                    severity=HIGH,
                    message=message % values,
                    substances=(ingredient.name,),
                    source=source,
                )
            )
    return warnings


def _duplicate_warnings(product: Product, others: Sequence[Product]) -> list[SafetyWarning]:
    warnings = []
    for ingredient in product.ingredients:
        holders = [other.name for other in others if any(o.key == ingredient.key for o in other.ingredients)]
        if not holders:
            continue
        names = ", ".join(gettext("“%(name)s”") % {"name": name} for name in dict.fromkeys(holders))
        message = gettext(
            "%(substance)s is also in %(medications)s: taking both adds up the doses of the same substance."
        ) % {"substance": ingredient.name, "medications": names}
        warnings.append(
            SafetyWarning(
                code=Code.DUPLICATE_SUBSTANCE,
                key=ingredient.key,
                blocking=False,
                severity=MODERATE,
                message=message,
                substances=(ingredient.name,),
                source=gettext("Composition of the medications (public drug database, BDPM)"),
            )
        )
    return warnings


def _interaction_warning(interaction: Interaction, other: Product) -> SafetyWarning:
    values = {
        "first": interaction.first.name,
        "second": interaction.second.name,
        "other": other.name,
        "reason": interaction.reason,
    }
    if interaction.level == CONTRAINDICATED:
        code, severity = Code.INTERACTION_CONTRAINDICATED, HIGH
        message = gettext("%(first)s with %(second)s (in “%(other)s”): contraindicated combination. %(reason)s")
    else:
        code, severity = Code.INTERACTION_INADVISABLE, MODERATE
        message = gettext("%(first)s with %(second)s (in “%(other)s”): inadvisable combination. %(reason)s")
    return SafetyWarning(
        code=code,
        key="+".join(sorted((interaction.first.key, interaction.second.key))),
        blocking=False,
        severity=severity,
        message=message % values,
        substances=(interaction.first.name, interaction.second.name),
        source=interaction.source,
    )


def _interaction_warnings(product: Product, others: Sequence[Product]) -> list[SafetyWarning]:
    checker = interaction_checker()
    warnings: dict[tuple[Code, str], SafetyWarning] = {}
    for other in others:
        for interaction in checker.between(product, other):
            warning = _interaction_warning(interaction, other)
            warnings.setdefault((warning.code, warning.key), warning)
    return list(warnings.values())


def check(
    candidates: Sequence[Candidate], *, current: Sequence[Candidate], allergies: Sequence[Allergy]
) -> dict[str, list[SafetyWarning]]:
    """Warnings per candidate ref. Duplicates and interactions are looked for among the candidates themselves and
    against `current` (the patient's other medications). No database access."""
    products = [(candidate.ref, product_of(candidate)) for candidate in candidates]
    current_products = [(medication.ref, product_of(medication)) for medication in current]
    results = {}
    for (ref, product), candidate in zip(products, candidates, strict=True):
        others = [other for other_ref, other in products + current_products if other_ref != ref]
        warnings = [
            *_allergy_warnings(product, allergies),
            *_interaction_warnings(product, others),
            *daily_dose_warnings(candidate, [(i.key, i.name) for i in product.ingredients]),
            *_duplicate_warnings(product, others),
        ]
        warnings.sort(key=lambda warning: (not warning.blocking, SEVERITY_ORDER[warning.severity]))
        results[ref] = warnings
    return results


def current_medications(patient, *, excluding: Sequence[int] = ()) -> list[Medication]:
    """The medications the patient takes today: in a treatment current in the patient's zone (active, started,
    not ended: the rule of Treatment.is_current), not stopped, not ended."""
    today = patient_today(patient)
    return list(
        Medication.objects.filter(
            treatment__patient=patient,
            treatment__status=TreatmentStatus.ACTIVE,
            treatment__start_date__lte=today,
            stopped_at__isnull=True,
        )
        .exclude(treatment__end_date__lt=today)
        .exclude(end_date__lt=today)
        .exclude(id__in=list(excluding))
    )


def check_for_patient(
    patient, candidates: Sequence[Candidate], *, excluding: Sequence[int] = ()
) -> dict[str, list[SafetyWarning]]:
    allergies = list(Allergy.objects.filter(patient=patient, removed_at__isnull=True))
    current = [
        Candidate.from_medication(medication) for medication in current_medications(patient, excluding=excluding)
    ]
    return check(candidates, current=current, allergies=allergies)


def warnings_of(medication: Medication) -> list[SafetyWarning]:
    """A saved medication's warnings now, against the patient's other current medications."""
    candidate = Candidate.from_medication(medication)
    return check_for_patient(medication.treatment.patient, [candidate], excluding=[medication.id])[candidate.ref]
