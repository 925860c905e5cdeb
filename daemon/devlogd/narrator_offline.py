"""The offline narrator: a deterministic post from beats alone, no network.

It follows the seed's arc — a concrete title, a hook from the first real problem, chapters
named after real things, first-person prose, lessons and next steps — and it never
invents: every sentence restates something a beat carries. Variety comes from choosing
among phrasings by a hash of the beat, so the same journal always gives the same post.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timezone

from devlogd.drafting import Chapter, DraftPlan
from devlogd.models import Beat
from devlogd.style import GENERIC_HEADINGS, meta_reference

_PAST = {
    "add": "added", "fix": "fixed", "make": "made", "use": "switched to", "remove": "removed",
    "update": "updated", "rewrite": "rewrote", "write": "wrote", "build": "built", "move": "moved",
    "rename": "renamed", "refactor": "refactored", "implement": "implemented", "support": "added support for",
    "improve": "improved", "speed": "sped", "handle": "handled", "allow": "allowed", "avoid": "avoided",
    "drop": "dropped", "replace": "replaced", "split": "split", "extract": "extracted", "create": "created",
    "introduce": "introduced", "enable": "enabled", "disable": "disabled", "set": "set", "raise": "raised",
    "lower": "lowered", "reduce": "reduced", "increase": "increased", "cache": "cached", "clean": "cleaned",
    "document": "documented", "test": "tested", "bump": "bumped", "upgrade": "upgraded", "revert": "reverted",
    "merge": "merged", "simplify": "simplified", "change": "changed", "convert": "converted",
    "switch": "switched", "keep": "kept", "let": "let", "teach": "taught", "show": "showed",
    "reworked": "reworked", "added": "added", "changed": "changed", "removed": "removed", "set up": "set up",
    "prevent": "prevented", "ensure": "made sure", "stop": "stopped", "start": "started",
    "guard": "guarded", "check": "checked", "read": "read", "parse": "parsed", "run": "ran",
    "port": "ported", "expose": "exposed", "wire": "wired", "hook": "hooked", "batch": "batched",
    "optimize": "optimized", "optimise": "optimised", "tune": "tuned", "limit": "limited", "bound": "bounded",
    "retry": "retried", "skip": "skipped", "ignore": "ignored", "redact": "redacted", "store": "stored",
    "load": "loaded", "save": "saved", "initial": "started", "bootstrap": "bootstrapped",
}
_PAST_FORMS = set(_PAST.values())


def _pick(key: str, options: Sequence[str]) -> str:
    digest = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16)
    return options[digest % len(options)]


def _clean(text: str) -> str:
    """Drop sentences that would reveal the source material; keep the rest verbatim."""
    kept = [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s and meta_reference(s) is None]
    return " ".join(kept)


def _lower_first(text: str) -> str:
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?", "…", ":")) else text + "."


def first_person(headline: str) -> str:
    """'Add journal writer' -> 'I added journal writer'."""
    words = headline.split(" ", 1)
    verb = words[0].lower()
    rest = words[1] if len(words) > 1 else ""
    stem = verb[:-1] if verb.endswith("s") and verb[:-1] in _PAST else verb
    if stem in _PAST:
        return f"I {_PAST[stem]} {rest}".strip()
    if verb in _PAST_FORMS:
        return f"I {verb} {rest}".strip()
    return ""


def heading_for(chapter: Chapter, used: set[str]) -> str:
    text = _clean(chapter.lead.headline).rstrip(".") or chapter.lead.headline.rstrip(".")
    text = re.sub(r"\s+", " ", text)
    if len(text) > 72:
        text = text[:72].rsplit(" ", 1)[0] + "…"
    if not text or GENERIC_HEADINGS.match(text) or meta_reference(text):
        text = f"Reworking `{chapter.topic}`" if chapter.topic else "Reworking the code"
    base, n = text, 2
    while text.lower() in used:
        text = f"{base} ({n})"
        n += 1
    used.add(text.lower())
    return text


def _code_name(name: str) -> str:
    return name if name.startswith("`") or " " in name else f"`{name}`"


def beat_paragraph(beat: Beat) -> str:
    parts: list[str] = []
    told = first_person(_clean(beat.headline))
    if told:
        parts.append(_sentence(told))
    else:
        lead = _pick(beat.sha + "lead", ("Next up: {h}.", "Then came {h}.", "I turned to {h}."))
        parts.append(lead.format(h=_lower_first(_clean(beat.headline).rstrip("."))))
    if beat.tension and _clean(beat.tension) and beat.tension.rstrip(".") != beat.headline.rstrip("."):
        intro = _pick(beat.sha + "t", ("The catch:", "Here was the problem:", "What bit me:"))
        parts.append(f"{intro} {_lower_first(_clean(beat.tension))}")
    if beat.why and _clean(beat.why):
        intro = _pick(beat.sha + "w", ("Why bother?", "The reason was concrete.", "Why?"))
        parts.append(f"{intro} {_sentence(_clean(beat.why))}")
    what = _clean(beat.what)
    if what:
        parts.append(_sentence("In practice I " + _lower_first(what)))
    numbers = [n for n in beat.numbers if n not in beat.headline]
    if numbers:
        parts.append(f"The numbers that mattered: {', '.join(numbers[:4])}.")
    if beat.insight and _clean(beat.insight):
        intro = _pick(beat.sha + "i", ("The insight:", "That was the moment it clicked:", "What I took away:"))
        parts.append(f"{intro} {_sentence(_clean(beat.insight))}")
    return " ".join(p for p in parts if p)


def _excerpt_block(beat: Beat) -> str:
    for hunk in beat.excerpt:
        lines = [line for line in hunk.lines if not meta_reference(line[1:])]
        if len(lines) >= 2:
            where = f"{hunk.path}" + (f", in `{hunk.header}`" if hunk.header else "")
            return f"Here is the heart of it ({where}):\n\n```diff\n" + "\n".join(lines[:8]) + "\n```"
    return ""


def chapter_text(chapter: Chapter, heading: str, next_heading: str | None) -> str:
    out = [f"## {heading}", ""]
    beats = sorted(sorted(chapter.beats, key=lambda b: -b.importance)[:5], key=lambda b: b.time)
    for beat in beats:
        out += [beat_paragraph(beat), ""]
        if beat is chapter.lead:
            block = _excerpt_block(beat)
            if block:
                out += [block, ""]
    if next_heading:
        hook = _pick(chapter.key, (
            "That fixed one thing and exposed the next: {n}.",
            "Which brought me straight to {n}.",
            "It worked, but it also set up the next piece: {n}.",
        ))
        out += [hook.format(n=_lower_first(next_heading.rstrip("."))), ""]
    return "\n".join(out)


def _date(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y-%m-%d")


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def title_for(plan: DraftPlan) -> str:
    leads = sorted((c.lead for c in plan.chapters), key=lambda b: -b.importance)
    phrases = [_clean(b.headline).rstrip(".") for b in leads[:2]]
    phrases = [p for p in phrases if p]
    if not phrases:
        return f"Building {plan.project}"
    if len(phrases) == 2 and len(phrases[0]) + len(phrases[1]) < 90:
        return f"{plan.project}: {phrases[0]}, then {_lower_first(phrases[1])}"
    return f"{plan.project}: {phrases[0]}"


def tags_for(plan: DraftPlan) -> list[str]:
    counts: Counter[str] = Counter()
    for chapter in plan.chapters:
        for beat in chapter.beats:
            counts.update(a.strip("/") for a in beat.areas[:2])
    tags = [plan.project] + [t for t, _ in counts.most_common(4) if t and t != plan.project]
    return list(dict.fromkeys(tags))


def hook_paragraphs(plan: DraftPlan) -> list[str]:
    opening = plan.opening
    paras: list[str] = []
    if opening is not None:
        problem = _clean(opening.tension) if opening.tension else ""
        if problem:
            paras.append(f"{_sentence(problem)} That was the problem in front of me in {plan.project}.")
        else:
            told = first_person(_clean(opening.headline))
            paras.append(_sentence(told) + f" That is where this stretch of {plan.project} started."
                         if told else f"It started with {_lower_first(_clean(opening.headline).rstrip('.'))} in {plan.project}.")
    beats = [b for c in plan.chapters for b in c.beats]
    if beats:
        days = max(1, round((beats[-1].time - beats[0].time) / 86400))
        files = sum(b.stats.files for b in beats)
        areas = Counter(a for b in beats for a in b.areas[:1])
        where = ", ".join(f"`{a}`" for a, _ in areas.most_common(3))
        kinds = Counter(b.kind for b in beats)
        fixes = kinds.get("fix", 0)
        built = kinds.get("feature", 0)
        sentence = f"Over {days} day{'s' if days != 1 else ''} I touched {files} files"
        sentence += f", mostly in {where}" if where else ""
        sentence += f": {built} new piece{'s' if built != 1 else ''} of work and {fixes} fix{'es' if fixes != 1 else ''}."
        paras.append(sentence + " Here is how it went.")
    return paras


def ending(plan: DraftPlan) -> list[str]:
    out: list[str] = []
    lessons = [b for b in plan.lessons if _clean(b.insight or b.tension)]
    topic = plan.lessons[0].identifiers[0] if plan.lessons and plan.lessons[0].identifiers else plan.project
    out += [f"## What {_code_name(topic)} Taught Me", ""]
    if lessons:
        for beat in lessons:
            text = _clean(beat.insight) or _clean(beat.tension)
            out.append(f"- **{_clean(beat.headline).rstrip('.')}**: {_sentence(text)}")
        out.append("")
    else:
        leads = [c.lead for c in plan.chapters][:3]
        out.append("I learned the most from the parts that pushed back: "
                   + "; ".join(_lower_first(_clean(b.headline).rstrip(".")) for b in leads) + ".")
        out.append("")
    latest = [b for b in plan.next_steps if _clean(b.headline)]
    out += [f"## Next Up for {plan.project}", ""]
    if latest:
        last = latest[-1]
        areas = ", ".join(f"`{a}`" for a in last.areas[:2])
        out.append(f"The latest piece of work was {_lower_first(_clean(last.headline).rstrip('.'))}"
                   + (f", in {areas}" if areas else "") + ". That is where I pick up next: "
                   "what it opened up still needs to be tested in real use and tightened.")
        remaining = [b for b in plan.lessons if b.kind in ("fix", "revert")]
        if remaining:
            out.append("")
            out.append(f"I also want to make sure {_lower_first(_clean(remaining[-1].headline).rstrip('.'))} "
                       "stays fixed, with a test that would catch it coming back.")
    out += ["", "---", "", f"Thanks for reading! If you are building something similar, I'd love to compare notes."]
    return out


def write_post(plan: DraftPlan) -> str:
    if not plan.chapters:
        return _empty_post(plan)
    beats = [b for c in plan.chapters for b in c.beats]
    title = title_for(plan)
    description = _sentence(first_person(_clean(plan.chapters[0].lead.headline)) or _clean(plan.chapters[0].lead.headline))
    lines = [
        "---",
        f"title: {_quote(title)}",
        f"date: {_quote(_date(beats[-1].time))}",
        f"description: {_quote(description)}",
        "tags: [" + ", ".join(_quote(t) for t in tags_for(plan)) + "]",
        "published: false",
        "---",
        "",
    ]
    for para in hook_paragraphs(plan):
        lines += [para, ""]
    lines += ["---", ""]
    used: set[str] = set()
    headings = [heading_for(c, used) for c in plan.chapters]
    for index, chapter in enumerate(plan.chapters):
        following = headings[index + 1] if index + 1 < len(headings) else None
        lines += [chapter_text(chapter, headings[index], following), "---", ""]
    lines += ending(plan)
    return "\n".join(lines).rstrip() + "\n"


def _empty_post(plan: DraftPlan) -> str:
    return (
        "---\n"
        f"title: {_quote(plan.project + ': Nothing to Tell Yet')}\n"
        f"date: {_quote(datetime.now(timezone.utc).strftime('%Y-%m-%d'))}\n"
        'description: "An empty journal."\n'
        f"tags: [{_quote(plan.project)}]\n"
        "published: false\n"
        "---\n\n"
        f"I haven't written any code in {plan.project} that the journal knows about yet. "
        "Run `devlog backfill` to read the work so far, then draft again.\n"
    )
