"""String types for input schemas: text that cannot be stored is refused with 422."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator


def text_problem(value: str) -> str | None:
    """NUL bytes and lone surrogates cannot be stored; they are refused, not crashed on."""
    if "\x00" in value:
        return "Der Text enthält ein NUL-Zeichen."
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "Der Text enthält ungültige Unicode-Zeichen."
    return None


def _clean(value: str) -> str:
    problem = text_problem(value)
    if problem:
        raise ValueError(problem)
    return value


CleanStr = Annotated[str, AfterValidator(_clean)]
