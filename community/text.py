"""String types for input schemas: text that cannot be stored is refused with 422."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator

from community.accounts.validation import text_problem


def _clean(value: str) -> str:
    problem = text_problem(value)
    if problem:
        raise ValueError(problem)
    return value


CleanStr = Annotated[str, AfterValidator(_clean)]
