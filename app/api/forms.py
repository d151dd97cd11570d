"""The API keys page's form (Flask-WTF: CSRF on it)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length


class ApiKeyForm(FlaskForm):
    """Name a new key after what will use it."""

    name = StringField(
        "Key name",
        validators=[DataRequired(), Length(max=120)],
        description="What will use it, e.g. “CRM sync”.",
    )
