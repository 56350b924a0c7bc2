from django import template

from treatments.units import unit_for_dose

register = template.Library()


@register.filter
def unit_for(unit: str, dose) -> str:
    """{{ medication.dose_unit|unit_for:medication.dose }}: "2 comprimés", not "2 comprimé"."""
    return unit_for_dose(unit, dose)
