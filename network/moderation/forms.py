"""Page forms of moderation: reviewing alerts, trust levels, suspending and reinstating."""

from __future__ import annotations

from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from network.forms import Form
from network.translation import lazy_gettext as _l


class ReviewForm(Form):
    decision = RadioField(
        _l("Decision"),
        choices=[("approve", _l("Approve")), ("reject", _l("Reject"))],
        validators=[DataRequired()],
    )
    reason = StringField(
        _l("Reason"),
        validators=[Length(max=500)],
        description=_l("Required when rejecting; kept in the audit log."),
    )


class TrustForm(Form):
    trust_level = SelectField(
        _l("Trust level"), choices=[(str(n), str(n)) for n in range(4)], coerce=int
    )
    reason = StringField(_l("Reason"), validators=[Length(max=500)])


class SuspendForm(Form):
    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(message=_l("Give a reason; it is audited.")), Length(max=500)],
        description=_l("Kept in the audit log. The member is not shown this text."),
    )
    confirm = BooleanField(
        _l("I understand that the member is logged out everywhere and their claims are released."),
        validators=[DataRequired(message=_l("Confirm that you want to suspend this member."))],
    )


class ReinstateForm(Form):
    reason = TextAreaField(
        _l("Reason"), validators=[Length(max=500)], description=_l("Kept in the audit log.")
    )
