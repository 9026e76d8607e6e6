"""The event catalog: every event type with its version and JSON Schema.

docs/events/*.schema.json are written from here (`python -m community.events.catalog`)
and a test checks they match, so the published schemas cannot drift from the code."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

_INT = {"type": "integer", "minimum": 1}
_INT_OR_NULL = {"type": ["integer", "null"], "minimum": 1}
_NICK = {"type": "string", "minLength": 1, "maxLength": 40, "description": "public nickname"}
_NICK_OR_NULL = {"type": ["string", "null"], "maxLength": 40}
_URL = {"type": "string", "format": "uri", "pattern": "^https?://"}
_URL_OR_NULL = {"type": ["string", "null"], "pattern": "^https?://"}
_SLUG_OR_NULL = {"type": ["string", "null"], "maxLength": 80}
_TIME = {"type": "string", "format": "date-time"}


def _object(description: str, properties: dict[str, Any], optional: tuple[str, ...] = ()) -> dict:  # type: ignore[type-arg]
    # additionalProperties false: a field that is not documented (a real name, an e-mail)
    # fails validation instead of slipping out to a CRM.
    return {
        "type": "object",
        "description": description,
        "properties": properties,
        "required": [k for k in properties if k not in optional],
        "additionalProperties": False,
    }


_IDEA_STATUSES = ["new", "review", "planned", "done", "declined"]
_FAQ = {
    "faq_id": _INT,
    "thread_id": _INT,
    "category_id": _INT,
    "category_slug": _SLUG_OR_NULL,
    "status": {"enum": ["published", "withdrawn", "review"]},
    "question_title": {"type": "string"},
    "question": {"type": "string"},
    "answer": {"type": "string"},
    "url": _URL,
    "asker": _NICK_OR_NULL,
    "answerer": _NICK_OR_NULL,
    "revision": {"type": "integer", "minimum": 1},
    "public": {"type": "boolean", "description": "false: from a closed board"},
}
_FAQ_WITHDRAWN = (
    {k: v for k, v in _FAQ.items() if k not in ("question", "answer", "asker", "answerer")}
    | {"reason": {"enum": ["unsolved", "removed", "board_closed", "solution_changed"]}}
    # A tombstone from a closed board names neither the board nor the title.
    | {
        "category_id": {**_INT_OR_NULL, "description": "null: from a closed board"},
        "question_title": {"type": ["string", "null"]},
    }
)

_ARTICLE = {
    "article_id": _INT,
    "thread_id": {**_INT_OR_NULL, "description": "the thread holding the comments"},
    "category_id": _INT,
    "category_slug": _SLUG_OR_NULL,
    "title": {"type": "string"},
    "teaser": {"type": "string"},
    "url": _URL,
    "author": _NICK_OR_NULL,
    "published_at": {"type": ["string", "null"], "format": "date-time"},
    "public": {"type": "boolean", "description": "false: from a closed board"},
}

CATALOG: dict[str, dict[str, Any]] = {
    "thread.created": {
        "version": 1,
        "schema": _object(
            "A question, discussion or idea was started.",
            {
                "thread_id": _INT,
                "post_id": _INT,
                "category_id": _INT,
                "category_slug": {"type": "string"},
                "kind": {"enum": ["question", "discussion", "idea"]},
                "title": {"type": "string"},
                "author": _NICK,
                "url": _URL,
            },
        ),
    },
    "post.created": {
        "version": 1,
        "schema": _object(
            "A reply was posted (pull feed only; not offered as a webhook).",
            {
                "post_id": _INT,
                "thread_id": _INT,
                "category_id": _INT,
                "category_slug": _SLUG_OR_NULL,
                "author": _NICK,
                "url": _URL,
            },
        ),
    },
    "thread.solved": {
        "version": 1,
        "schema": _object(
            "An answer was accepted as the solution (again, if previous_post_id is set).",
            {
                "thread_id": _INT,
                "post_id": _INT,
                "title": {"type": "string"},
                "category_id": _INT,
                "category_slug": _SLUG_OR_NULL,
                "asker": _NICK_OR_NULL,
                "answerer": _NICK_OR_NULL,
                "url": _URL,
                "answer_url": _URL,
                "accepted_by": _NICK_OR_NULL,
                "previous_post_id": _INT_OR_NULL,
            },
        ),
    },
    "thread.unsolved": {
        "version": 1,
        "schema": _object(
            "The accepted solution was withdrawn or removed.",
            {
                "thread_id": _INT,
                "post_id": _INT,
                "category_id": _INT,
                "title": {"type": "string"},
                "by": _NICK_OR_NULL,
                "reason": {"enum": ["withdrawn", "removed"]},
                "url": _URL,
            },
        ),
    },
    "kudos.given": {
        "version": 1,
        "schema": _object(
            "A member thanked the author of a post (pull feed only).",
            {
                "post_id": _INT,
                "thread_id": _INT,
                "category_id": _INT,
                "giver": _NICK,
                "receiver": _NICK_OR_NULL,
                "counts_for_points": {"type": "boolean"},
                "url": _URL,
            },
        ),
    },
    "rank.changed": {
        "version": 1,
        "schema": _object(
            "A member reached another rank (pull feed only).",
            {
                "user": _NICK,
                "old_rank": {"type": ["string", "null"]},
                "new_rank": {"type": "string"},
                "points": {"type": "integer"},
            },
        ),
    },
    "faq.published": {
        "version": 1,
        "schema": _object("An FAQ entry was published (or re-published).", _FAQ),
    },
    "faq.updated": {
        "version": 1,
        "schema": _object("A published FAQ entry's wording changed.", _FAQ),
    },
    "faq.withdrawn": {
        "version": 1,
        "schema": _object(
            "A published FAQ entry no longer holds; remove it from the website.", _FAQ_WITHDRAWN
        ),
    },
    "thread.escalated": {
        "version": 1,
        "schema": _object(
            "Staff handed an unsolved question to the support team; enough for a ticket.",
            {
                "thread_id": _INT,
                "category_id": _INT,
                "category_slug": _SLUG_OR_NULL,
                "title": {"type": "string"},
                "question": {"type": "string"},
                "url": _URL,
                "asker": _NICK_OR_NULL,
                "escalated_by": _NICK,
                "note": {"type": "string"},
                "reply_count": {"type": "integer", "minimum": 0},
                "created_at": _TIME,
            },
        ),
    },
    "lead.created": {
        "version": 1,
        "schema": _object(
            "A customer agreed to be contacted by sales. The only event with personal data: "
            "exactly what the consent text listed.",
            {
                "lead_id": _INT,
                "nickname": _NICK,
                "real_name": {"type": ["string", "null"]},
                "company": {"type": ["string", "null"]},
                "email": {"type": ["string", "null"], "format": "email"},
                "phone": {"type": ["string", "null"]},
                "thread_id": _INT_OR_NULL,
                "thread_url": _URL_OR_NULL,
                "message": {"type": ["string", "null"]},
                "consent": _object(
                    "When and to which text the customer agreed.",
                    {"given_at": _TIME, "text_version": {"type": "string"}},
                ),
                "consent_withdrawn": {
                    "const": True,
                    "description": "set when withdrawn: the personal fields are then null",
                },
            },
            optional=("consent_withdrawn",),
        ),
    },
    "lead.consent_withdrawn": {
        "version": 1,
        "schema": _object(
            "The customer withdrew the consent; delete the lead's personal data.",
            {"lead_id": _INT, "nickname": _NICK, "withdrawn_at": _TIME},
        ),
    },
    "user.erased": {
        "version": 1,
        "schema": _object(
            "A member's account was erased; delete what you hold about this user id. "
            "The forum keeps the account under the pseudonym (never the old data).",
            {
                "user_id": _INT,
                "pseudonym": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 40,
                    "description": "the name the account's remaining posts now show",
                },
                "erased_at": _TIME,
            },
        ),
    },
    "idea.status_changed": {
        "version": 1,
        "schema": _object(
            "Staff gave an idea a new status, with a public note (withheld for a closed board).",
            {
                "thread_id": _INT,
                "category_id": _INT,
                "category_slug": {"type": "string"},
                "title": {"type": "string"},
                "old_status": {"enum": _IDEA_STATUSES},
                "new_status": {"enum": _IDEA_STATUSES},
                "note": {"type": "string"},
                "by": _NICK_OR_NULL,
                "votes": {"type": "integer", "minimum": 0, "description": "members' votes"},
                "staff_votes": {"type": "integer", "minimum": 0},
                "url": _URL,
            },
        ),
    },
    # Blog (issue 17). A closed board's article events stay inside like its threads'.
    "article.published": {
        "version": 1,
        "schema": _object("A blog article went live (at its scheduled time).", _ARTICLE),
    },
    "article.updated": {
        "version": 1,
        "schema": _object(
            "A correction of a live blog article was approved by a second staff member.", _ARTICLE
        ),
    },
    "article.withdrawn": {
        "version": 1,
        "schema": _object(
            "A blog article was taken down; remove it from the website.",
            {k: v for k, v in _ARTICLE.items() if k != "teaser"},
        ),
    },
}

# What an admin may subscribe a webhook endpoint to.
WEBHOOK_TYPES = tuple(
    t for t in CATALOG if t not in ("post.created", "kudos.given", "rank.changed")
)


def nickname_fields() -> frozenset[str]:
    """Payload fields that hold a member's nickname, in any event type: an erased
    member's name is replaced there (community/privacy/scrub.py)."""
    return frozenset(
        name
        for entry in CATALOG.values()
        for name, prop in entry["schema"]["properties"].items()
        if prop is _NICK or prop is _NICK_OR_NULL
    )


def schema_document(type_: str) -> dict[str, Any]:
    entry = CATALOG[type_]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://community.example/schemas/events/{type_}.v{entry['version']}.json",
        "title": f"{type_} (version {entry['version']})",
        **entry["schema"],
    }


def schema_json(type_: str) -> str:
    return json.dumps(schema_document(type_), indent=2, ensure_ascii=False) + "\n"


def write_schemas(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for type_ in CATALOG:
        (directory / f"{type_}.schema.json").write_text(schema_json(type_), encoding="utf-8")


if __name__ == "__main__":
    write_schemas(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/events"))
