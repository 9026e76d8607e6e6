"""Opaque keyset cursors: a page continues after the last row seen, not at an offset."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

from community.db import MAX_ID
from community.errors import InvalidInput


def encode_cursor(*values: Any) -> str:
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, *kinds: type) -> tuple[Any, ...]:
    """Parse a cursor made by encode_cursor with values of the given kinds; 422 otherwise."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, list) or len(values) != len(kinds):
            raise ValueError("wrong length")
        out: list[Any] = []
        for kind, value in zip(kinds, values, strict=True):
            if kind is datetime:
                moment = datetime.fromisoformat(value)
                if moment.utcoffset() is None:
                    raise ValueError("time without zone")
                out.append(moment.astimezone(UTC))
            elif kind is int:
                if not isinstance(value, int) or isinstance(value, bool):
                    raise ValueError("not an int")
                if abs(value) > MAX_ID:
                    raise ValueError("out of range")
                out.append(value)
            else:
                out.append(kind(value))
        return tuple(out)
    except (ValueError, TypeError, OverflowError, json.JSONDecodeError) as exc:
        raise InvalidInput("Ungültiger Cursor.", code="invalid_cursor") from exc
