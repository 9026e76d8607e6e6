"""The posts of a thread page as a signed-in member sees them, kept per process (issue 21),
and the page's JSON-LD.

A post's <article> up to its buttons (avatar, author line with rank, staff name and post
count, date, notices, body) is the same for every member who is not on the moderation
team, in one language, until something a page shows changes: the version of the pages
(community/pageversion.py) is read before the page reads anything it covers (a dependency
declared before the viewer's, whose user row a post may show), and is part of the key, so
the first request after a committed change renders afresh. What differs between members is
rendered on every request (the unread divider, the reply form, bell and watch box), or
is in the key (a post's buttons are kept with it, without the viewer's CSRF token: see
`PostFragments.put`):

- whether the member wrote the post, and whether they may read its body (a hidden post:
  its author; a deleted one: no one),
- the author's post count as this member may count it (closed boards, own hidden threads),
- the rank and staff name beside the author: they come from the site settings, which the
  page reads after the version (or takes from the copy read under it, site/service.py),
- whether the member gave the post kudos, and may accept an answer in the thread,
- the language.

The moderation team's and staff's pages are rendered in full (moderation tools, and what
only they may see). A closed board's posts reach no one outside its groups: the route
answers 404 before rendering anything.

Kept in a KeptStore (web/keptstore.py) of its own, bounded by bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from collections.abc import Set as AbstractSet
from typing import Any

from fastapi import Request
from markupsafe import Markup, escape

from community import i18n
from community.accounts.viewer import Viewer
from community.config import get_settings
from community.forum import permissions as perms
from community.forum.models import Post, Thread
from community.web.keptstore import KeptStore

STATE_KEY = "post_fragments"
# Room for ~1,500 posts of a few KiB each: the threads being read now.
DEFAULT_BYTES = 8 * 2**20


def version_for(request: Request) -> int | None:
    """The version of the pages for a signed-in viewer, read before anything the page shows
    (web/pages.py load_legal_links, before the viewer's user row, which a kept post may
    show)."""
    if request.app.state.post_fragments is None:
        return None
    if not request.cookies.get(get_settings().session_cookie):
        return None  # no member: the page cache's business
    version: int | None = getattr(request.state, "page_version", None)
    return version


def kept_for(request: Request, viewer: Viewer, version: int | None) -> tuple[KeptStore, int] | None:
    """The store and version a viewer's thread page may use: a member outside the
    moderation team and staff (None: rendered in full)."""
    store: KeptStore | None = request.app.state.post_fragments
    if store is None or version is None or viewer.user_id is None:
        return None
    if viewer.is_moderator or perms.is_staff(viewer):
        return None
    return store, version


class PostFragments:
    """The page's access to the store (thread.html): `get` a post's article as kept, or
    `put` it once rendered. Keys as the module says."""

    def __init__(
        self,
        store: KeptStore,
        version: int,
        viewer: Viewer,
        *,
        visible: Mapping[int | None, bool],
        post_counts: Mapping[int, int],
        ranks: Mapping[int, Any],
        staff_names: Mapping[int, str],
    ) -> None:
        self.store = store
        self.version = version
        self.viewer_id = viewer.user_id
        self.visible = visible
        self.post_counts = post_counts
        self.ranks = ranks
        self.staff_names = staff_names
        self._locale: str | None = None

    def _key(self, post: Post, kudos_given: AbstractSet[int], may_accept: bool) -> Hashable:
        # Each attribute of a post read once: an ORM attribute costs a call (the page's
        # posts are looked up on every request).
        post_id, author = post.id, post.author_id
        if self._locale is None:  # the page's language, set before it renders
            self._locale = i18n.current_locale()
        return (
            self.version,
            post_id,
            self._locale,
            author == self.viewer_id,
            self.visible[post_id],
            self.post_counts.get(author, 0),
            self.ranks.get(author),
            self.staff_names.get(author),
            # The buttons (macros.html post_actions): the rest of what they show is the
            # post's and its thread's (lock, solution, kudos count), in the version.
            post_id in kudos_given,
            may_accept,
        )

    def jsonld(
        self, thread: Thread, shown: list[Post], make: Callable[[], str | None]
    ) -> str | None:
        """The page's JSON-LD (web/seo.py) as kept: made of the thread, its first page's
        posts and their authors' nicknames, the same for every member shown the same posts
        (they differ by viewer only in the viewer's own waiting posts)."""
        key = ("jsonld", self.version, thread.id, tuple(p.id for p in shown))
        kept = self.store.get(key)
        text = kept if isinstance(kept, str) else None
        if text is None:
            text = make()
            if text is not None:
                self.store.put(key, text)
        return text

    def get(
        self, post: Post, kudos_given: AbstractSet[int], may_accept: bool, csrf_token: str
    ) -> Markup | None:
        """The post's article and buttons as kept, with this viewer's CSRF token."""
        if post.id is None:
            return None
        return _joined(self.store.get(self._key(post, kudos_given, may_accept)), csrf_token)

    def get_all(
        self, posts: list[Post], kudos_given: AbstractSet[int], may_accept: bool, csrf_token: str
    ) -> list[bytes] | None:
        """Every post's article and buttons as kept, in UTF-8 as the page is sent
        (web/thread_shell.py), or None if one is not."""
        if any(post.id is None for post in posts):
            return None
        token = csrf_token.encode()
        kept = []
        for parts in self.store.get_many([self._key(p, kudos_given, may_accept) for p in posts]):
            if not isinstance(parts, tuple):
                return None
            kept.append(b"".join((parts[0], token.join(parts[1:]))))
        return kept

    def put(
        self,
        post: Post,
        article: Markup,
        actions: Markup,
        kudos_given: AbstractSet[int],
        may_accept: bool,
        csrf_token: str,
    ) -> str:
        """Keeps what the page rendered: the buttons without the viewer's CSRF token (put
        back by `get`), the article as it is (a post's text may hold any string); in UTF-8,
        as a kept page is assembled and sent (not widened to the page's widest character)."""
        # The token is hex, the same escaped or not; anything else is not kept.
        if post.id is not None and csrf_token and str(escape(csrf_token)) == csrf_token:
            parts = tuple(part.encode() for part in (article, *actions.split(csrf_token)))
            self.store.put(self._key(post, kudos_given, may_accept), parts)
        return ""


def _joined(kept: object, csrf_token: str) -> Markup | None:
    if not isinstance(kept, tuple):
        return None
    # Our own HTML as rendered: marked safe once.
    return Markup(b"".join((kept[0], csrf_token.encode().join(kept[1:]))).decode())  # noqa: S704
