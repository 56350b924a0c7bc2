import json

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from notifications.models import ALWAYS_ON, ENDPOINT_MAX_LENGTH, Channels, Event

CHANNELS = Channels._fields


class PreferencesForm(forms.Form):
    """Three check boxes per event, named "<event>-in_app", "<event>-email" and "<event>-push". Events that
    are always on show checked and disabled: the form then ignores what the browser sends for them."""

    def __init__(self, *args, current: dict[str, Channels], **kwargs):
        super().__init__(*args, **kwargs)
        labels = {
            "in_app": _("%(event)s: in the app"),
            "email": _("%(event)s: by e-mail"),
            "push": _("%(event)s: on your devices"),
        }
        for event in Event:
            for channel in CHANNELS:
                self.fields[f"{event.value}-{channel}"] = _channel_field(
                    event, labels[channel] % {"event": event.label}, initial=getattr(current[event.value], channel)
                )

    def rows(self):
        """(event, in-app field, e-mail field, push field, always on) for each event, in the table's order."""
        return [
            (event, *(self[f"{event.value}-{channel}"] for channel in CHANNELS), event in ALWAYS_ON) for event in Event
        ]

    def values(self) -> dict[str, Channels]:
        data = self.cleaned_data
        return {
            event.value: Channels(*(data[f"{event.value}-{channel}"] for channel in CHANNELS))
            for event in Event
            if event not in ALWAYS_ON
        }


def _channel_field(event: Event, label: str, *, initial: bool) -> forms.BooleanField:
    if event not in ALWAYS_ON:
        return forms.BooleanField(label=label, required=False, initial=initial)
    # The note saying why the box cannot be changed is read with it.
    widget = forms.CheckboxInput(attrs={"aria-describedby": f"always-on-{event.value}"})
    return forms.BooleanField(label=label, required=False, initial=True, disabled=True, widget=widget)


class QuietHoursForm(forms.Form):
    """Both times, or neither to have no quiet hours."""

    quiet_start = forms.TimeField(
        label=pgettext_lazy("a time of day", "From"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    quiet_end = forms.TimeField(
        label=pgettext_lazy("a time of day", "Until"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("quiet_start"), data.get("quiet_end")
        if (start is None) != (end is None):
            raise forms.ValidationError(_("Give both times, or neither to have no quiet hours."), code="incomplete")
        if start is not None and start == end:
            raise forms.ValidationError(_("Quiet hours must end at another time than they start."), code="empty")
        return data


def push_subscription_data(body: bytes) -> dict[str, str]:
    """The JSON of the browser's `PushSubscription.toJSON()`, `{"endpoint", "keys": {"p256dh", "auth"}}`,
    flattened for the forms below. Anything that is not a string is left out, for the form to report."""
    try:
        subscription = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return {}
    if not isinstance(subscription, dict):
        return {}
    keys = subscription.get("keys") if isinstance(subscription.get("keys"), dict) else {}
    fields = {"endpoint": subscription.get("endpoint"), "p256dh": keys.get("p256dh"), "auth": keys.get("auth")}
    return {name: value for name, value in fields.items() if isinstance(value, str)}


class PushEndpointForm(forms.Form):
    # The model checks the address in depth; the length limits keep a request from storing anything large.
    endpoint = forms.CharField(max_length=ENDPOINT_MAX_LENGTH)


class PushSubscriptionForm(PushEndpointForm):
    p256dh = forms.CharField(max_length=100)
    auth = forms.CharField(max_length=40)
