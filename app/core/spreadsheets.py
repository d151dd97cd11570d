"""CSV exports opened in spreadsheets: text from strangers must never run as a formula."""

from __future__ import annotations

# Spreadsheets run cells starting with these as formulas; names and refs come from strangers.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: str | None) -> str:
    """`value` as a CSV cell that a spreadsheet shows as text ("" for None)."""
    if not value:
        return ""
    return f"'{value}" if value.startswith(FORMULA_START) else value
