"""Page forms of webhooks."""

from __future__ import annotations

from wtforms import StringField
from wtforms.validators import DataRequired, Length

from network.forms import Form
from network.translation import lazy_gettext as _l
from network.webhooks.models import WebhookEvent
from network.widgets import MultiCheckboxField

EVENT_LABELS = {
    WebhookEvent.ALERT_LIVE.value: _l("An alert goes live"),
    WebhookEvent.ALERT_RESOLVED.value: _l("An alert is resolved"),
    WebhookEvent.CAMPAIGN_LAUNCHED.value: _l("A campaign is launched"),
    WebhookEvent.CAMPAIGN_ENDED.value: _l("A campaign ends"),
    WebhookEvent.CHECKIN_RETALIATION.value: _l("A volunteer was targeted in return (check-in)"),
}


class EndpointForm(Form):
    """Register an endpoint: its https address, the events it hears, a name."""

    url = StringField(_l("Endpoint address (https)"), validators=[DataRequired(), Length(max=1024)])
    events = MultiCheckboxField(
        _l("Events"),
        choices=list(EVENT_LABELS.items()),
        validators=[DataRequired(message=_l("Choose at least one event."))],
    )
    description = StringField(_l("Name (optional)"), validators=[Length(max=80)])


class ConfirmForm(Form):
    """Only the CSRF token: the page that shows it is the confirmation."""
