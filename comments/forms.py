from django import forms
from django.utils.translation import gettext_lazy as _

from comments.models import TEXT_MAX_LENGTH, Visibility


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Comment"), max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3}))
    visibility = forms.ChoiceField(label=_("Visible to"), choices=Visibility.choices, initial=Visibility.EVERYONE)
    record_file = forms.ChoiceField(label=_("About"), required=False)
    parent = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, record, for_professionals: bool, **kwargs):
        super().__init__(*args, **kwargs)
        # Only professionals choose; everyone else writes for everyone.
        if not for_professionals:
            del self.fields["visibility"]
        self.fields["record_file"].choices = [
            ("", _("The whole record")),
            *((str(record_file.public_id), record_file.original_name) for record_file in record.files.all()),
        ]


class CommentEditForm(forms.Form):
    text = forms.CharField(label=_("Comment"), max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 4}))
