"""Forms of the documents pages: attach a file (camera or file picker), mark a document not
applicable."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional

from ..web.forms import KeptMessagesForm, PlainSelect


class UploadForm(KeptMessagesForm):
    kind = SelectField(_l("What it is"), choices=[], widget=PlainSelect())
    replaces = SelectField(_l("Replaces"), choices=[], validators=[Optional()], widget=PlainSelect(),
                           description=_l("The replaced file stays in the history."))
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])


class WaiveForm(KeptMessagesForm):
    material = StringField(validators=[Length(max=100)])
    reason = StringField(validators=[Length(max=500)])
