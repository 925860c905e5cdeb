"""The one home of Jinja2: the offline post rendered from a template over typed facts, as
git-cliff renders a changelog over typed commits.

A template may come from the repository (`.devlog/post.md.j2`): anyone who can push to it
writes it, so every template runs in Jinja2's sandbox, with no globals (no `range`), with
string repetition bounded, and with its output cut off at MAX_OUTPUT characters. Every
value a template prints is escaped as commit text is (story/escape.py) unless the facts
marked it as already safe (code excerpts inside their fence, front matter values).
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from datetime import date
from importlib import resources
from typing import Any

import jinja2
import markupsafe
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from devlogd.errors import NarratorError
from devlogd.story.escape import escape_prose, front_matter_text

MAX_OUTPUT = 200_000  # characters: a post is a few thousand
MAX_REPEAT = 10_000  # the longest string `"x" * n` may build
DEFAULT = "offline_post.md.j2"
safe = markupsafe.Markup


def default_template() -> str:
    return resources.files("devlogd").joinpath(f"data/{DEFAULT}").read_text(encoding="utf-8")


class _Sandbox(SandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator_name: str, left: Any, right: Any) -> Any:
        if operator_name == "**":
            raise SecurityError("a template may not raise to a power")
        if isinstance(left, (str, list)) or isinstance(right, (str, list)):
            times = right if isinstance(right, int) else left
            if isinstance(times, int) and times > MAX_REPEAT:
                raise SecurityError(f"a template may repeat a string at most {MAX_REPEAT:,} times")
        return operator.mul(left, right)


def render(source: str, facts: dict[str, Any], origin: str = "the default template") -> str:
    """``source`` rendered over ``facts``; one sentence naming ``origin`` when it cannot be."""
    env = _Sandbox(trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, autoescape=False,
                   finalize=_escaped, undefined=jinja2.ChainableUndefined)
    env.globals.clear()
    env.filters.update(plural=plural, join_and=join_and, day=day, yaml=yaml, code=code)
    try:
        template = env.from_string(source)
        out: list[str] = []
        size = 0
        for piece in template.generate(**facts):
            size += len(piece)
            if size > MAX_OUTPUT:
                raise NarratorError(f"{origin} wrote more than {MAX_OUTPUT:,} characters; devlog stopped it")
            out.append(piece)
    except jinja2.TemplateSyntaxError as err:
        raise NarratorError(f"{origin}, line {err.lineno}: {err.message}") from err
    except (jinja2.TemplateError, TypeError, ValueError, ArithmeticError, RecursionError) as err:
        raise NarratorError(f"{origin} could not be rendered: {err}") from err
    return "".join(out)


def _escaped(value: Any) -> Any:
    """What a template prints: commit text renders as text (no HTML, links or headings)."""
    if isinstance(value, markupsafe.Markup) or value is None:
        return value if value is not None else ""
    # Inside an HTML comment (a question, the changes left out) a subject must not end it.
    return escape_prose(str(value)).replace("-->", "-\u2011>").replace("--!>", "-\u2011!>")


# -- the few grammatical needs -----------------------------------------------------------

def plural(count: int, word: str, many: str = "") -> str:
    """`3 | plural("change")` -> "3 changes"; `1 | plural("day")` -> "1 day"."""
    return f"{count:,} {word if count == 1 else (many or word + 's')}"


def join_and(items: Sequence[Any], last: str = "and") -> str:
    """["a", "b", "c"] -> "a, b and c"."""
    texts = [str(i) for i in items]
    if len(texts) <= 2:
        return f" {last} ".join(texts)
    return ", ".join(texts[:-1]) + f" {last} " + texts[-1]


def day(iso: str) -> str:
    """"2026-12-08" -> "8 December 2026"."""
    try:
        when = date.fromisoformat(iso)
        return f"{when.day} {when:%B %Y}"
    except ValueError:
        return iso


def yaml(text: Any) -> markupsafe.Markup:
    """A front matter value: escaped as prose, then quoted."""
    plain = front_matter_text(escape_prose(str(text)))
    return markupsafe.Markup('"' + plain.replace("\\", "\\\\").replace('"', '\\"') + '"')


def code(name: Any) -> markupsafe.Markup:
    """A name as an inline code span that cannot be closed early."""
    text = " ".join(str(name).split()).replace("`", "'")
    return markupsafe.Markup(f"`{text}`")
