"""Core `flask` commands: token key management."""

from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified

from app.core.crypto import EncryptedText, generate_key
from app.extensions import db

tokens = click.Group("tokens", help="Encryption of Facebook tokens at rest.")


@tokens.command("new-key")
def new_key() -> None:
    """Print a new key to put first in TOKEN_ENCRYPTION_KEYS."""
    click.echo(generate_key())


@tokens.command("rotate")
def rotate_command() -> None:
    """Re-encrypt every stored token with the first key of TOKEN_ENCRYPTION_KEYS."""
    total = rotate_all()
    click.echo(f"re-encrypted {total} value(s) with the newest key")


def encrypted_columns() -> list[tuple[type, list[str]]]:
    """Every mapped class with its EncryptedText attributes."""
    found = []
    for mapper in db.Model.registry.mappers:
        names = [
            attr.key
            for attr in mapper.column_attrs
            if any(isinstance(col.type, EncryptedText) for col in attr.columns)
        ]
        if names:
            found.append((mapper.class_, names))
    return found


def rotate_all(batch_size: int = 500) -> int:
    """Re-encrypt all EncryptedText values, committing every `batch_size` rows."""
    total = 0
    for model, names in encrypted_columns():
        rows = db.session.scalars(select(model)).all()
        for index, row in enumerate(rows, start=1):
            for name in names:
                if getattr(row, name) is not None:
                    flag_modified(row, name)
                    total += 1
            if index % batch_size == 0:
                db.session.commit()
        db.session.commit()
    return total


def init_app(app: Flask) -> None:
    """Register the core command groups."""
    app.cli.add_command(tokens)
