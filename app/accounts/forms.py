"""Forms of the account pages (Flask-WTF: CSRF on every one)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length

from app.accounts.services import MIN_PASSWORD_LENGTH
from app.core.models import Role

PASSWORD_HINT = f"At least {MIN_PASSWORD_LENGTH} characters."


def _strip(value: str | None) -> str | None:
    """People paste emails with spaces around them."""
    return value.strip() if isinstance(value, str) else value


class SignupForm(FlaskForm):
    """Create a workspace and its owner."""

    name = StringField("Your name", validators=[DataRequired(), Length(max=120)])
    business = StringField("Business name", validators=[DataRequired(), Length(max=120)])
    email = EmailField(
        "Work email", filters=[_strip], validators=[DataRequired(), Email(), Length(max=254)]
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)],
        description=PASSWORD_HINT,
    )
    submit = SubmitField("Create account")


class LoginForm(FlaskForm):
    """Email and password."""

    email = EmailField("Email", filters=[_strip], validators=[DataRequired(), Email()])
    password = PasswordField("Password", validators=[DataRequired()])
    remember = BooleanField("Keep me logged in on this device")
    submit = SubmitField("Log in")


class EmailForm(FlaskForm):
    """Ask for a password reset link."""

    email = EmailField("Email", filters=[_strip], validators=[DataRequired(), Email()])
    submit = SubmitField("Send reset link")


class NewPasswordForm(FlaskForm):
    """Choose a new password (reset link or invitation)."""

    password = PasswordField(
        "New password",
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)],
        description=PASSWORD_HINT,
    )
    confirm = PasswordField(
        "Repeat it", validators=[DataRequired(), EqualTo("password", "The passwords differ.")]
    )
    submit = SubmitField("Save password")


class AcceptInvitationForm(NewPasswordForm):
    """Join a workspace from an invitation."""

    name = StringField("Your name", validators=[DataRequired(), Length(max=120)])
    submit = SubmitField("Join")


ROLE_CHOICES = [
    SelectChoice(Role.ADMIN.value, "Admin: everything, including members and Pages"),
    SelectChoice(Role.MARKETER.value, "Marketer: subscribers, broadcasts, automation"),
    SelectChoice(Role.AGENT.value, "Agent: live chat on the Pages you choose"),
    SelectChoice(Role.OWNER.value, "Owner: everything, including other owners"),
]


class InviteForm(FlaskForm):
    """Invite someone to the workspace."""

    email = EmailField(
        "Email", filters=[_strip], validators=[DataRequired(), Email(), Length(max=254)]
    )
    role = SelectField("Role", choices=ROLE_CHOICES, default=Role.MARKETER.value)
    pages = SelectMultipleField("Pages (agents only)", coerce=int, choices=[])
    submit = SubmitField("Send invitation")


class MemberForm(FlaskForm):
    """Change a member's role and Pages."""

    role = SelectField("Role", choices=ROLE_CHOICES)
    pages = SelectMultipleField("Pages (agents only)", coerce=int, choices=[])
    submit = SubmitField("Save")


class DevelopmentModeForm(FlaskForm):
    """Whether the Meta app is still in development mode."""

    enabled = BooleanField("My Meta app is in development mode")
    submit = SubmitField("Save")


class ProfileForm(FlaskForm):
    """The signed-in person's own name."""

    name = StringField("Your name", validators=[DataRequired(), Length(max=120)])
    submit = SubmitField("Save")


class ChangePasswordForm(NewPasswordForm):
    """A new password, confirmed by the current one when there is one."""

    current = PasswordField("Current password")
    submit = SubmitField("Change password")
