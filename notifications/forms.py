from django import forms
from django.utils.translation import gettext as _

from notifications.models import ALWAYS_ON, Channels, Event


class PreferencesForm(forms.Form):
    """Two check boxes per event, named "<event>-in_app" and "<event>-email". Events that are always on
    show checked and disabled: the form then ignores what the browser sends for them."""

    def __init__(self, *args, current: dict[str, Channels], **kwargs):
        super().__init__(*args, **kwargs)
        labels = {"in_app": _("%(event)s: in the app"), "email": _("%(event)s: by e-mail")}
        for event in Event:
            for channel, label in labels.items():
                self.fields[f"{event.value}-{channel}"] = _channel_field(
                    event, label % {"event": event.label}, initial=getattr(current[event.value], channel)
                )

    def rows(self):
        """(event, in-app field, e-mail field, always on) for each event, in the table's order."""
        return [
            (event, self[f"{event.value}-in_app"], self[f"{event.value}-email"], event in ALWAYS_ON) for event in Event
        ]

    def values(self) -> dict[str, tuple[bool, bool]]:
        data = self.cleaned_data
        return {
            event.value: (data[f"{event.value}-in_app"], data[f"{event.value}-email"])
            for event in Event
            if event not in ALWAYS_ON
        }


def _channel_field(event: Event, label: str, *, initial: bool) -> forms.BooleanField:
    if event not in ALWAYS_ON:
        return forms.BooleanField(label=label, required=False, initial=initial)
    # The note saying why the box cannot be changed is read with it.
    widget = forms.CheckboxInput(attrs={"aria-describedby": f"always-on-{event.value}"})
    return forms.BooleanField(label=label, required=False, initial=True, disabled=True, widget=widget)
