from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import DependantRelation


class GuardianInviteForm(forms.Form):
    identifier = forms.CharField(
        label=_("E-mail or mobile phone of the other parent or guardian"),
        max_length=254,
        help_text=_("Exactly as they sign in to ReLyfe."),
    )


class DependantForm(forms.Form):
    """A dependant's file: who they are, and what they are to the guardian making it."""

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    birth_date = forms.DateField(
        label=_("Birth date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    relation = forms.ChoiceField(label=_("This person is"), choices=DependantRelation.choices, widget=forms.RadioSelect)
