"""Forms of the audience pages that create things (Flask-WTF: CSRF on every one)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class GrowthLinkForm(FlaskForm):
    """A new m.me link with a ref on one of the workspace's Pages."""

    page_id = SelectField("Page", coerce=int, validators=[DataRequired("Choose a Page.")])
    name = StringField(
        "Name",
        filters=[_strip],
        validators=[DataRequired("Give the link a name."), Length(max=120)],
        description="Where you will share it, e.g. “Shop window poster”.",
    )
    ref = StringField(
        "Ref",
        filters=[_strip],
        validators=[Optional(), Length(max=100)],
        description="Left empty, it is made from the name. Letters, digits and _ . : = + / -",
    )
    submit = SubmitField("Create link")
