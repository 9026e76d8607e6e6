"""The FAQ export as JSON items, CSV and schema.org FAQPage JSON-LD."""

from __future__ import annotations

import csv
import io
from typing import Any

from community.faq.service import ExportItem

FIELDS = [
    "id",
    "status",
    "thread_id",
    "board",
    "question_title",
    "question",
    "answer",
    "url",
    "asker",
    "answerer",
    "revision",
    "public",
    "updated_at",
]


def item_json(item: ExportItem) -> dict[str, Any]:
    e = item.entry
    base: dict[str, Any] = {
        "id": e.id,
        "thread_id": e.thread_id,
        "board": item.category_slug,
        "url": item.url,
        "public": item.public,
        "updated_at": e.changed_at.isoformat(),
    }
    if not e.live:  # a tombstone: enough for a website or CRM to remove it
        return {**base, "status": "withdrawn", "reason": e.withdrawn_reason}
    return {
        **base,
        "status": "published",
        "question_title": e.published_title,
        "question": e.published_question,
        "answer": e.published_answer,
        "asker": e.asker,
        "answerer": e.answerer,
        "revision": e.revision,
    }


def as_csv(items: list[ExportItem]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[*FIELDS, "reason"], extrasaction="ignore")
    writer.writeheader()
    for item in items:
        row = item_json(item)
        # JSON's words, which CRM importers read as booleans (Python's str gave "True").
        row["public"] = "true" if row["public"] else "false"
        writer.writerow(row)
    return out.getvalue()


def as_jsonld(items: list[ExportItem]) -> dict[str, Any]:
    """Only live entries: a tombstone has no place on a FAQPage."""
    return {
        "@context": "https://schema.org",
        "@type": "FAQPage",
        "mainEntity": [
            {
                "@type": "Question",
                "name": i.entry.published_title,
                "text": i.entry.published_question,
                "url": i.url,
                "acceptedAnswer": {
                    "@type": "Answer",
                    "text": i.entry.published_answer,
                    "url": i.url,
                },
            }
            for i in items
            if i.entry.live
        ],
    }
