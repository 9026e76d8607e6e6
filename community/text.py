"""Types for input schemas: text that cannot be stored is refused with 422, and so is a
field a settings body does not know."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict


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


class SettingsBody(BaseModel):
    """A body that changes a setting (the admin API's): a field it does not know is
    refused (422 `extra_forbidden`) rather than ignored, so that a misspelt field does not
    answer 200 having changed nothing."""

    model_config = ConfigDict(extra="forbid")
