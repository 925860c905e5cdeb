"""Reasons that are reasons: the why, the tension and the insight of a change, taken from
what its author wrote, and only when the words say so.

A field stays empty rather than hold a non-reason ("Ugh.", "Closes #6.", "Thanks!") or
repeat another field or the headline. The story stage runs the same tests on beats
journaled by older versions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TRAILERS = re.compile(r"^(?:[A-Z][\w-]+-by|Co-authored-by|Change-Id|Fixes|Closes|Refs|See-also|Link|Bug|"
                      r"Reviewed-on|Cc|Acked-by|Tested-by):.*+$", re.MULTILINE)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9`\"'(])|\n{2,}|\n(?=[-*•] )")
_WHY = re.compile(r"\b(?:because|so that|so we|so it|in order to|to avoid|to prevent|to make|to allow|otherwise|"
                  r"since|needed|need to|was causing|caused by|motivat\w+|the goal|to support|prepare for)\b", re.I)
_TENSION = re.compile(r"\b(?:bug|crash\w*|fail\w*|broke\w*|broken|error\w*|wrong|slow\w*|leak\w*|hang\w*|race|"
                      r"deadlock|timeout|timed out|regression|couldn't|could not|can't|cannot|didn't|doesn't|"
                      r"wasn't|unable|problem|issue|flaky|stuck|blocked|limit\w*|hardcoded|hard-coded|exception|"
                      r"panic\w*|corrupt\w*|lost|missing|incorrect|inconsistent|overflow|stale)\b", re.I)
_INSIGHT = re.compile(r"\b(?:turns out|turned out|realiz\w+|realis\w+|the trick|the key|key insight|instead of|"
                      r"root cause|it was|lesson|learned|learnt|actually|apparently|the fix|the problem was|"
                      r"the issue was|discover\w+|noticed|found that|which means|this means|by \w+ing)\b", re.I)
# A repository name is tried only from the start of its run: linear in the text.
_REFERENCE = re.compile(r"(?:\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?|refs?|see|re|part of|related to)\b[:\s]*+)?"
                        r"(?:(?<![\w.-])[\w.-]++/[\w.-]++)?#\d++|https?://\S++|\bgh-\d++\b", re.I)
_FILLER = re.compile(r"^\W*(?:ugh+|argh+|oops|whoops(?:ie)?|meh|lol|hmm+|yay|phew|ok(?:ay)?|done|wip|lgtm|"
                     r"thanks?(?: you)?(?: for [^.!?]*)?|cheers|sorry|please [^.!?]*|hi|hello|hey|"
                     r"same as before|as discussed|see above|see below|see title|title says it all)\W*$", re.I)
_WORD = re.compile(r"[A-Za-z][\w'-]*")
# A sentence that tells the state a change brings ("The daemon now ignores SIGXFSZ", "Errors
# from the SDK become one sentence") describes the cure, not the trouble, even when it names one.
NEW_STATE = re.compile(r"\b(?:now|becomes?|no longer)\b", re.I)
# A sentence that orders ("Add (basic) tests for this error handling", "Fix type error in
# X"): an item of the change's own to-do list, never the trouble it met, even when it names one.
ORDER = re.compile(r"^\W*+(?:add|fix|remove|delete|update|use|make|move|rename|include|allow|change|implement|"
                   r"refactor|clean|support|improve|handle|replace|drop|bump|set|ensure|avoid|tweak|convert|"
                   r"split|merge|rewrite|switch|simplify|document|test|check|return|show|print|write)\b(?!')", re.I)
# "nothing is lost", "no longer fails", "without a crash": a problem named to say it is gone.
_NEGATED = re.compile(r"\b(?:no|nothing|never|without|not|no longer|zero|0)\s+(?:\w+\s+){0,2}?"
                      r"(?:bug|crash\w*|fail\w*|broke\w*|broken|error\w*|lost|missing|leak\w*|hang\w*|stale)\b", re.I)


@dataclass(frozen=True)
class Reasons:
    why: str = ""
    tension: str = ""
    insight: str = ""


def tell_reasons(body: str, headline: str, kind: str = "") -> Reasons:
    """The why, tension and insight an author's message states, each a real reason, none
    repeating another or the headline."""
    sentences = [s for s in sentences_of(body) if is_reason(s)]
    taken = [headline]
    why = _first(sentences, _WHY, taken)
    troubles = [s for s in sentences if not _NEGATED.search(s) and not ORDER.match(s) and not NEW_STATE.search(s)]
    tension = _first(troubles, _TENSION, taken + [why])
    insight = _first(sentences, _INSIGHT, taken + [why, tension], exclude=_WHY)
    return Reasons(why, tension, insight)


def sentences_of(body: str) -> list[str]:
    body = TRAILERS.sub("", body)
    return [one_line(s.strip().lstrip("-*• ").strip()) for s in _SENTENCE.split(body) if s and s.strip()]


_PLUMBING = re.compile(r"\bThis reverts commit\b|\breversing changes made to\b|\b[0-9a-f]{12,40}\b|"
                       r"\bcherry picked from\b|^Merge (?:branch|pull request|remote)", re.I)


def is_filler(text: str) -> bool:
    """Words that say nothing to a reader: "Ugh.", "Closes #6.", "Thanks!", "This reverts
    commit 1a2b3c…"."""
    if _PLUMBING.search(text):
        return True
    return bool(_FILLER.match(_REFERENCE.sub(" ", text).strip())) or not _WORD.search(_REFERENCE.sub(" ", text))


def is_reason(text: str) -> bool:
    """Words that can explain something: not a reference, not filler, not a lone word."""
    without = _REFERENCE.sub(" ", text).strip()
    if _FILLER.match(without) or _PLUMBING.search(text):
        return False
    return len(_WORD.findall(without)) >= 4


def same_thought(a: str, b: str) -> bool:
    """Whether two texts say the same thing (equal, one inside the other, or nearly the
    same words)."""
    left, right = _words(a), _words(b)
    if not left or not right:
        return False
    if left <= right or right <= left:
        return True
    return len(left & right) / len(left | right) >= 0.7


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text) if len(w) > 2}


def _first(sentences: list[str], pattern: re.Pattern[str], taken: list[str],
           exclude: re.Pattern[str] | None = None) -> str:
    for sentence in sentences:
        if not pattern.search(sentence) or (exclude is not None and exclude.search(sentence)):
            continue
        if any(t and same_thought(sentence, t) for t in taken):
            continue
        return sentence
    return ""


def one_line(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"
