"""Input and output models of the privacy routes."""

from __future__ import annotations

from pydantic import BaseModel, Field

from community.text import CleanStr


class AccountErase(BaseModel):
    """The member's own erasure: the password again, and an explicit confirmation."""

    password: CleanStr = Field(max_length=1000)
    confirm: bool = Field(description="must be true: the account cannot be restored")
    remove_posts: bool = Field(
        default=False,
        description="also remove the posts: every reply, and every thread started that "
        "no one else replied to; otherwise they stay under the pseudonym",
    )


class AdminErase(BaseModel):
    confirm_nickname: CleanStr = Field(
        max_length=100, description="the member's nickname once more, as confirmation"
    )
    remove_posts: bool = False


class ErasurePublic(BaseModel):
    pseudonym: str
    posts_removed: int
    threads_kept: int = Field(description="threads the member started that others replied to")
