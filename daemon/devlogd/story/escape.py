"""Untrusted text kept as text: commit subjects in a post, and the material in a request.

Anyone who can commit to a repository writes the text devlog retells: subjects, bodies,
file names, comments. In a markdown post that text must render as written (no raw HTML,
no tracking images, no links it did not ask for); in a model request it must stay inside
its block (it cannot close the block or open a new one).
"""

from __future__ import annotations

import re
import secrets

_CODE_SPAN = re.compile(r"(`[^`\n]{1,200}`)")
_HTML = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
# Only what markdown would read as HTML is escaped: a tag, a comment or an autolink (`<` and a
# letter, `/`, `!` or `?`, up to its `>`) and an entity (`&amp;`). "Dollar -> Field", "fix <=
# and >=" and "R&D" stay as written: escaped they would read `-&gt;` in the raw post.
_HTML_LIKE = re.compile(r"<[A-Za-z/!?][^<>\n]{0,200}+>?|&(?=#?\w{1,32}+;)")
_MARKDOWN = re.compile(r"([\[\]`\\])")
_LINE_START = re.compile(r"^([#>+*=|-]|\d{1,9}[.)])(?=\s|$)")
_SPACES = re.compile(r"[ \t\r\n\f\v]+")


def escape_prose(text: str) -> str:
    """``text`` as one line of markdown prose that renders exactly as written.

    HTML is escaped (`<script>`, `<img src=...>` show as text; a lone `<=` or `->` stays
    as written), brackets and stray
    backticks are escaped (no links, no images, no code spans left open), and a leading
    `#`, `>`, `-` or `1.` cannot start a heading, a quote or a list. Balanced `code spans`
    stay: subjects name identifiers that way, and markdown shows a span's content as is.
    """
    text = _SPACES.sub(" ", text)
    pieces = _CODE_SPAN.split(text)
    out = [piece if index % 2 else _MARKDOWN.sub(r"\\\1", _HTML_LIKE.sub(_escape_html, piece))
           for index, piece in enumerate(pieces)]
    return _LINE_START.sub(_defuse_marker, "".join(out))


def _escape_html(match: re.Match[str]) -> str:
    return match.group(0).translate(_HTML)


def _escape_tag(match: re.Match[str]) -> str:
    return match.group(0).translate(_ANGLES)


def _defuse_marker(match: re.Match[str]) -> str:
    marker = match.group(1)
    return marker[:-1] + "\\" + marker[-1] if marker[0].isdigit() else "\\" + marker  # 1\. or \#


def front_matter_text(text: str) -> str:
    """Prose from `escape_prose` for a YAML value (a title): HTML stays escaped, markdown's
    backslashes go (front matter is data), and brackets become parentheses, so a theme
    that renders the title as markdown finds no link or image in it."""
    return re.sub(r"\\([\[\]`\\#>+*=|.)-])", r"\1", text).translate(_BRACKETS)


_BRACKETS = str.maketrans("[]", "()")


def code_span(text: str) -> str:
    """``text`` as an inline code span that cannot be closed early."""
    return "`" + _SPACES.sub(" ", text).replace("`", "'") + "`"


def fence_for(lines: list[str]) -> str:
    """A code fence longer than any run of backticks in ``lines``: a line of the excerpt
    cannot close the block and turn the rest into markdown."""
    longest = max((len(run) for line in lines for run in re.findall(r"`+", line)), default=0)
    return "`" * max(3, longest + 1)


# -- a post a model wrote -------------------------------------------------------------------

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_UNSAFE_LINK = re.compile(r"\]\(\s{0,8}(?=(?:javascript|vbscript|data|file):)", re.IGNORECASE)
# In a finished post only tags are escaped: an entity (`&lt;`) already shows as text, and the
# offline post's prose was escaped once by escape_prose (escaping it again would show `&lt;`).
_TAG_LIKE = re.compile(r"<[A-Za-z/!?][^<>\n]{0,200}+>?")
_ANGLES = str.maketrans({"<": "&lt;", ">": "&gt;"})
_OUR_COMMENT = re.compile(r"<!-- devlog: [^<>\n]{0,2000}-->")  # a prompt to the author, on a line of its own


def untrusted_post(markdown: str) -> str:
    """A finished post as markdown that renders as text: a model can be steered by what it
    read (or be another user's server), and the offline post quotes what the repository
    wrote (a manifest's name, its phrase frames), so raw HTML is escaped as commit text is
    (`<script>` shows as text), and a link to `javascript:`, `data:` or `file:` loses its
    link. Code spans and fenced blocks stay as written: markdown shows them as text; so does
    a line that is one of devlog's own `<!-- devlog: ... -->` prompts to the author."""
    out: list[str] = []
    fence = ""
    for line in markdown.split("\n"):
        opened = _FENCE.match(line)
        if fence:
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence):
                fence = ""
            out.append(line)
            continue
        if opened:
            fence = opened.group(1)
            out.append(line)
            continue
        if _OUR_COMMENT.fullmatch(line):
            out.append(line)
            continue
        pieces = _CODE_SPAN.split(line)
        out.append("".join(piece if index % 2 else _UNSAFE_LINK.sub("]\\(", _TAG_LIKE.sub(_escape_tag, piece))
                           for index, piece in enumerate(pieces)))
    return "\n".join(out)


# -- the material of a model request --------------------------------------------------------

_DELIMITER_LIKE = re.compile(r"<(?=[ \t]{0,8}/?[ \t]{0,8}(?:source[_ -]{0,2}material|change)(?![A-Za-z]))",
                             re.IGNORECASE)


def escape_material(text: str) -> str:
    """``text`` with every tag that looks like a delimiter of ours (`</source_material>`,
    `<change>`) defused: its `<` becomes `&lt;`. Nothing else changes: code excerpts keep
    their `<` and `>`."""
    return _DELIMITER_LIKE.sub("&lt;", text)


def boundary(name: str, *texts: str) -> str:
    """A tag name for this request alone (``name`` and a random suffix) that none of
    ``texts`` contains: the material cannot close a block whose name it cannot know."""
    while True:
        tag = f"{name}_{secrets.token_hex(4)}"
        if not any(tag in text for text in texts):
            return tag
