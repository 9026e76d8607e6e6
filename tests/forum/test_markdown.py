"""The one Markdown renderer: formatting survives, scripts and dangerous links do not."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from community.forum.markdown import plain_text, render_markdown
from tests.factories import make_category, make_thread, make_user, sign_in


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags_of(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def assert_harmless(html: str) -> None:
    for tag, attrs in tags_of(html):
        assert tag not in ("script", "style", "iframe", "object", "embed", "svg", "form"), html
        for name, value in attrs.items():
            assert not name.startswith("on"), html
            assert name != "style", html
            if name in ("href", "src"):
                scheme = (value or "").strip().lower()
                assert not scheme.startswith(("javascript:", "data:", "vbscript:")), html


ATTACKS = [
    "<script>alert(1)</script>",
    "Hallo <script src=https://evil.example/x.js></script> Welt",
    "<style>body { display: none }</style>",
    '<div style="position:fixed">Overlay</div>',
    "<img src=x onerror=alert(1)>",
    '<a href="#" onclick="alert(1)">klick</a>',
    "<a href='javascript:alert(1)'>klick</a>",
    "[klick](javascript:alert(1))",
    "[klick](JaVaScRiPt:alert(1))",
    "[klick](&#106;avascript:alert(1))",
    "[klick]( javascript:alert(1) )",
    "[klick](vbscript:msgbox(1))",
    "[klick](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![bild](data:image/png;base64,iVBORw0KGgo=)",
    "![bild](javascript:alert(1))",
    "<javascript:alert(1)>",
    "<iframe src=https://evil.example></iframe>",
    "<svg onload=alert(1)></svg>",
    "[ref]\n\n[ref]: javascript:alert(1)",
    '<form action="https://evil.example"><input name=pw></form>',
]


@pytest.mark.parametrize("source", ATTACKS)
def test_dangerous_markup_is_neutralised(source):
    html = render_markdown(source)
    assert_harmless(html)
    assert "<script" not in html.lower()


def test_raw_script_is_shown_as_text_not_run():
    html = render_markdown("<script>alert(1)</script>")
    assert "&lt;script&gt;" in html
    assert plain_text(html) == "<script>alert(1)</script>"


def test_user_links_get_nofollow_ugc():
    html = render_markdown("Siehe [Anleitung](https://example.com/hilfe) und <https://x.example>")
    links = [attrs for tag, attrs in tags_of(html) if tag == "a"]
    assert [a["href"] for a in links] == ["https://example.com/hilfe", "https://x.example"]
    for attrs in links:
        rel = (attrs.get("rel") or "").split()
        assert "nofollow" in rel
        assert "ugc" in rel


def test_mailto_links_are_kept_and_external_images_become_links():
    # Readers' browsers contact no third party: the image is a link the reader may follow.
    html = render_markdown(
        "[Schreiben](mailto:hilfe@example.com) ![Logo](https://example.com/l.png) "
        "![](http://tracker.example/pixel.gif) ![Eigenes](/static/logo.png)"
    )
    found = tags_of(html)
    links = [attrs["href"] for tag, attrs in found if tag == "a"]
    images = [attrs["src"] for tag, attrs in found if tag == "img"]
    assert links == [
        "mailto:hilfe@example.com",
        "https://example.com/l.png",
        "http://tracker.example/pixel.gif",
    ]
    assert images == ["/static/logo.png"]
    assert "Logo" in plain_text(html)


def test_pages_forbid_images_from_other_hosts(client):
    policy = client.get("/").headers["content-security-policy"]
    img_src = next(p for p in policy.split(";") if p.strip().startswith("img-src"))
    assert "https:" not in img_src and "*" not in img_src


def test_tables_survive():
    html = render_markdown("| Tarif | Preis |\n|---|---|\n| S | 10 € |\n| M | 20 € |")
    names = [tag for tag, _ in tags_of(html)]
    assert names[:1] == ["table"]
    assert names.count("tr") == 3
    assert names.count("th") == 2
    assert names.count("td") == 4
    assert "10 €" in html


def test_code_blocks_and_inline_code_survive_with_their_text_escaped():
    html = render_markdown("Nutzen Sie `ping <host>`:\n\n```bash\ncurl -s 'a&b' | grep <x>\n```")
    tags = tags_of(html)
    assert ("code", {}) in tags
    assert ("pre", {}) in tags
    assert ("code", {"class": "language-bash"}) in tags
    assert "ping &lt;host&gt;" in html
    assert "curl -s 'a&amp;b' | grep &lt;x&gt;" in html


def test_lists_quotes_and_emphasis_survive():
    html = render_markdown(
        "- eins\n- zwei\n\n3. drei\n4. vier\n\n> Zitat\n\n**fett** *kursiv* ~~alt~~"
    )
    tags = tags_of(html)
    names = [tag for tag, _ in tags]
    assert names.count("ul") == 1
    assert names.count("li") == 4
    assert ("ol", {"start": "3"}) in tags
    for tag in ("blockquote", "strong", "em", "s"):
        assert tag in names, tag


def test_headings_are_kept():
    assert [tag for tag, _ in tags_of(render_markdown("## Schritt 1"))] == ["h2"]


def test_post_with_a_script_tag_is_stored_and_served_without_it(db, client):
    make_category(db, slug="sicherheit")
    sign_in(client, make_user(db))
    created = client.post(
        "/api/v1/threads",
        json={
            "category": "sicherheit",
            "title": "Ist das hier sicher?",
            "body": "Test <script>alert('xss')</script> [klick](javascript:alert(1))",
        },
    )
    assert created.status_code == 201, created.text
    thread_id = created.json()["thread"]["id"]
    reply = client.post(
        f"/api/v1/threads/{thread_id}/posts",
        json={"body": '<img src=x onerror="alert(2)"> <script>alert(3)</script>'},
    )
    for post in client.get(f"/api/v1/threads/{thread_id}/posts").json()["items"]:
        assert "<script" not in post["body_html"].lower()
        assert_harmless(post["body_html"])
    assert "<script" not in reply.json()["body_html"]
    page = client.get(f"/t/{thread_id}/ist-das-hier-sicher")
    assert page.status_code == 200
    # The page's own scripts (htmx, the editor, the JSON-LD data block) aside, there is none.
    html = re.sub(r'<script src="/static/[a-z.]+\.js" defer></script>', "", page.text)
    html = re.sub(r'<script type="application/ld\+json">[^<]*</script>', "", html)
    assert "<script" not in html.lower()
    assert "alert(3)" in page.text  # shown as text


def test_edited_post_is_sanitised_too(db, client):
    board = make_category(db)
    author = make_user(db)
    thread = make_thread(db, author=author, category=board)
    sign_in(client, author)
    post_id = client.get(f"/api/v1/threads/{thread.id}").json()["opening_post"]["id"]
    edited = client.patch(f"/api/v1/posts/{post_id}", json={"body": "<script>x()</script>"})
    assert edited.status_code == 200
    assert "<script" not in edited.json()["body_html"]
