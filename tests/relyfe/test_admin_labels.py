"""Staff read the administration in French: model names and column headings are translated."""

import pytest
from django.contrib import admin
from django.contrib.admin.utils import label_for_field
from django.utils import translation

# Column headings that are the same word in French.
SAME_IN_FRENCH = {"date", "patient", "profession"}

OUR_ADMINS = [
    (model, model_admin)
    for model, model_admin in admin.site._registry.items()
    if not model.__module__.startswith(("django.", "rest_framework."))
]


def in_both_languages(label):
    with translation.override("fr"):
        french = str(label())
    with translation.override("en"):
        english = str(label())
    return french, english


@pytest.mark.parametrize(("model", "model_admin"), OUR_ADMINS, ids=lambda value: getattr(value, "__name__", ""))
def test_every_column_of_the_admin_lists_is_in_french(model, model_admin):
    untranslated = []
    for column in model_admin.list_display:
        french, english = in_both_languages(lambda column=column: label_for_field(column, model, model_admin))
        if french == english and french not in SAME_IN_FRENCH:
            untranslated.append(column)
    assert untranslated == []


@pytest.mark.parametrize(("model", "model_admin"), OUR_ADMINS, ids=lambda value: getattr(value, "__name__", ""))
def test_every_model_in_the_admin_has_a_french_name(model, model_admin):
    french, english = in_both_languages(lambda: model._meta.verbose_name_plural)
    assert french != english or french == "notifications"
