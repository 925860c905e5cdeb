"""The seed's storytelling rules as data, shared by the narrators and the checker."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

# Words that break the story's reality: readers must never learn the source was a log of
# commits. Compound tool names ("post-commit hook", "pre-commit") are technical things,
# not meta-references, and stay allowed.
META_REFERENCES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("mentions commits", re.compile(r"(?<![-\w])commit(?:s|ted|ting)?\b(?!-)", re.IGNORECASE)),
    ("mentions the git history", re.compile(r"\bgit\s+(?:history|log)\b|\bthe history\b|\bversion history\b", re.IGNORECASE)),
    ("mentions a changeset", re.compile(r"\bchangesets?\b|\bpull requests?\b|\bPR\s*#\d+", re.IGNORECASE)),
    ("mentions a hash", re.compile(r"(?<![\w/#-])(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,40}\b")),
)

GENERIC_HEADINGS = re.compile(
    r"^(?:the\s+)?(?:journey(?:\s+begins)?|the\s+beginning|beginnings?|introduction|intro|"
    r"overview|background|the\s+challenge|challenges?|overcoming\s+obstacles|obstacles|"
    r"a\s+new\s+discovery|discoveries|the\s+solution|solutions?|the\s+problem|problems?|"
    r"conclusion|conclusions|summary|wrapping\s+up|final\s+thoughts|the\s+end|getting\s+started|"
    r"progress|updates?|changes|more\s+changes|misc(?:ellaneous)?|other\s+work|next\s+steps|"
    r"lessons(?:\s+learned)?|what\s+i\s+learned|the\s+breakthrough|a\s+breakthrough|"
    r"setting\s+the\s+stage|the\s+road\s+ahead|looking\s+ahead|part\s+\d+|chapter\s+\d+)[.!?:]*$",
    re.IGNORECASE,
)

ENDING_WORDS = re.compile(
    r"\b(?:learn(?:ed|t)?|lessons?|takeaways?|taught|next|going forward|remains?|still\s+to|"
    r"todo|future|plan(?:s|ning)?\s+to|want\s+to)\b",
    re.IGNORECASE,
)
FIRST_PERSON = re.compile(r"\b(?:I|I'm|I've|I'd|I'll|me|my|mine|we|we're|we've|our|us)\b")


def meta_reference(sentence: str) -> str | None:
    """The rule a sentence breaks by referring to its source material, if any."""
    for label, pattern in META_REFERENCES:
        if pattern.search(sentence):
            return label
    return None


@lru_cache(maxsize=1)
def seed_prompt() -> str:
    """The user's storytelling prompt that defines a good post (shipped with the package)."""
    text = resources.files("devlogd").joinpath("data/seed_prompt.md").read_text(encoding="utf-8")
    return fix_mojibake(text)


def fix_mojibake(text: str) -> str:
    """Repair UTF-8 that was once decoded as Mac Roman (``‚Ä¶`` for ``…``)."""
    def repair(match: re.Match[str]) -> str:
        try:
            return match.group(0).encode("mac_roman").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return match.group(0)

    return re.sub(r"[‚√Ä-ˇ][^\x00-\x7f]{1,3}", repair, text)
