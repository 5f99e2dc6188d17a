"""SQLite (the embedded default) gets the functions the search needs: its own LOWER and LIKE
fold ASCII letters only, so "чиланзар" would not find "Чиланзар"."""

from typing import Any


def _fold(value: str | None) -> str | None:
    return value.casefold() if value is not None else None


def sqlite_functions_register(sender: Any, connection: Any, **kwargs: Any) -> None:
    """connection_created receiver: KB_FOLD(text) is Python's casefold, for every script."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("KB_FOLD", 1, _fold, deterministic=True)
