"""The erasure registry: what one erasure knows, and the steps domains add to it.

A domain holding more about a member (notifications, satisfaction ratings) registers a
step with `@erasure_step` in its own module; community/privacy/service.py runs every
registered step after the account is anonymised and before the event log and jobs are
scrubbed. This module imports no domain, so registering one never forms an import cycle."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlmodel import Session

from community.accounts.models import User
from community.accounts.viewer import Viewer
from community.privacy.scrub import OldIdentity


@dataclass
class Erasure:
    """What one erasure knows while its steps run."""

    user: User
    viewer: Viewer
    old: OldIdentity
    remove_posts: bool
    # Threads whose search document is rebuilt afterwards: every one the member wrote in.
    threads: set[int] = field(default_factory=set)
    removed_posts: int = 0
    kept_posts: int = 0


ErasureStep = Callable[[Session, Erasure], None]
ERASURE_STEPS: list[ErasureStep] = []


def erasure_step(fn: ErasureStep) -> ErasureStep:
    ERASURE_STEPS.append(fn)
    return fn
