"""What the project is, in its README's words: the sentences that describe it, the ones
that explain how it works, and the phrase a title can carry. Pointers ("a screencast is
available here"), asides and install or usage text are never taken."""

from __future__ import annotations

import re

from devlogd.story.narrators.offline import english
from devlogd.story.style import meta_reference


def _sentences(text: str) -> list[str]:
    flat = " ".join(text.split())
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z`*])", flat) if s]


_META_SENTENCE = re.compile(r"\b(?:blog post|I intend|work in progress|hiding in plain sight|this repo(?:sitory)?|"
                            r"check out|see also|star this|pull requests? (?:are )?welcome|under construction)\b", re.I)


_USAGE = re.compile(r"^\W*`|\b(?:install\w*|requires?|needs|pip|npm|cargo|brew|apt|download\w*|usage|run(?:ning)?)\b",
                    re.I)


def what_it_is(summary: str) -> list[str]:
    """The sentences of the README's opening that say what the project is: from its first
    paragraph that does (an aside such as "I intend to blog about this" does not), never
    from one that says how to install or run it."""
    for paragraph in summary.split("\n\n")[:2]:
        sentences = _describing(paragraph)
        if sentences and not _USAGE.search(sentences[0]):
            return sentences[:2]
    return []


# A sentence that points somewhere else or names keys, not one that explains.
_POINTER = re.compile(r"https?://|\bhere\b|\bbelow\b|\babove\b|\bCTRL-|\bscreencast\b|\bdocumentation\b|"
                      r"\blicen[cs]e\b", re.I)


_ASIDE_POINTER = re.compile(r"\s*\((?:read|see|check)\b[^()]{0,120}\)", re.I)  # "(read the CSV documentation)"


def how_it_works(summary: str, said: list[str], limit: int = 520) -> list[str]:
    """The README's explanation after what the opening already said ("Since the tarpit is
    in the banner before any cryptographic exchange occurs, ..."): up to four sentences of
    the opening's paragraphs, stopping at install or usage text and skipping pointers."""
    out: list[str] = []
    size = 0
    started = False
    for paragraph in summary.split("\n\n")[:4]:
        sentences = _describing(_ASIDE_POINTER.sub("", paragraph))
        if not sentences:
            continue
        if _USAGE.search(sentences[0]):
            if started:
                break
            continue
        for sentence in sentences:
            if sentence in said:
                started = True
                continue
            if not started or _POINTER.search(sentence) or _USAGE.search(sentence) or len(sentence.split()) < 5:
                continue
            if size + len(sentence) > limit or len(out) >= 4:
                return out
            out.append(sentence)
            size += len(sentence)
    return out


def _describing(text: str) -> list[str]:
    """The sentences of a README's opening that say what the project is or does."""
    return [english.sentence(s) for s in _sentences(text)
            if not _META_SENTENCE.search(s) and meta_reference(s) is None]


def what_it_does(summary: str, name: str) -> str:
    """From a README's opening: "it can fork a process onto a different computer" ->
    "forking a process onto a different computer"; "A pico-8 platformer made by ..." ->
    "a pico-8 platformer"; "X is an SSH tarpit that ..." -> "an SSH tarpit"."""
    for sentence in _describing(summary)[:3]:
        plain = re.sub(r"[*_`]", "", sentence).rstrip(".")
        can = re.search(r"\bcan ([a-z]+) (.+)$", plain)
        if can:
            verb = english.understand(f"{can.group(1)} {can.group(2)}")
            if verb.form == "verb":
                return _clip_phrase(english.lower_first(english.gerund(verb)))
        if re.match(r"^[A-Z][a-z]+ing\b", plain):
            return _clip_phrase(plain)  # "Training DIAMOND to play MarioKart64 using a Neural Network"
        noun = re.match(r"^(?:" + re.escape(name) + r"\s+is\s+|It's\s+|It is\s+)?(an?\s+[^,;:]+)", plain, re.I)
        # "X is an SSH tarpit that ...", or a sentence that is one noun phrase.
        if noun and (noun.start(1) > 0 or noun.end(1) == len(plain)):
            does = _GENERIC_THAT.match(noun.group(1))
            if does:  # "a Python 3 program that compiles ..." says what it does in its clause
                verb = english.understand(does.group(1))
                if verb.form == "verb":
                    return _clip_phrase(english.lower_first(english.gerund(verb)))
            return _clip_phrase(noun.group(1), cut=(" that ", " which ", " made by ", " for ", " with "))
    return ""


# A noun phrase that says only what kind of thing it is ("a Python 3 program", "a small
# tool"), followed by what it does.
_GENERIC_THAT = re.compile(r"^an?\s+(?:[\w.+-]+\s+){0,3}?(?:program|tool|library|script|app|application|utility|"
                           r"project|module|package|framework|command|cli|implementation)\s+(?:that|which)\s+(\w+s\s.+)$",
                           re.I)


def _clip_phrase(text: str, cut: tuple[str, ...] = (" except ", " so ", " because ", ", ")) -> str:
    """At most 70 characters of a phrase, never cut inside an aside: "a small text editor in
    less than 1K lines of code (counted with cloc)" loses "(counted with cloc)", not ")"."""
    text = re.sub(r"\s*\([^()]*\)", "", text) if len(text) > 40 else text
    for marker in cut:
        if marker in text and len(text) > 40:
            text = text.split(marker, 1)[0]
    if len(text) > 70:
        text = text[:70].rsplit(" ", 1)[0]
        text = re.sub(r"\s*\([^)]*$", "", text)  # an aside the cut left open
        text = re.sub(r"\s+\b(?:a|an|the|of|in|to|for|with|and|or|than|less|more|on|by)$", "", text, flags=re.I)
    return text


_NOTE = re.compile(r"^\W*(?:TODO|FIXME|XXX|HACK|NOTE|SAFETY|noqa|type:|pylint|eslint|-\*-)", re.I)


def explains(comment: str) -> bool:
    """A comment that says what its definition does or is for, in at least four words
    (not a TODO, a linter's pragma or a divider such as "=== 2.")."""
    return bool(comment) and not _NOTE.match(comment) and len(re.findall(r"[A-Za-z]{2,}", comment)) >= 4
