"""The offline narrator: a deterministic post from beats alone, no network.

It follows the seed's arc — a concrete title, a hook from the first real problem, chapters
named after real things, first-person prose, lessons and next steps — and it never
invents: every sentence restates something a beat carries. Variety comes from choosing
among phrasings by a hash of the beat, so the same journal always gives the same post.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timezone

from devlogd.story.drafting import Chapter, DraftPlan
from devlogd.models import Beat
from devlogd.story.escape import code_span, escape_prose, fence_for, front_matter_text
from devlogd.story.style import GENERIC_HEADINGS, meta_reference

# Imperative subjects ("Add X", "Fix Y") become first-person past ("I added X").
_IRREGULAR = {
    "build": "built", "make": "made", "write": "wrote", "rewrite": "rewrote", "split": "split",
    "set": "set", "let": "let", "keep": "kept", "teach": "taught", "run": "ran", "read": "read",
    "put": "put", "cut": "cut", "get": "got", "take": "took", "give": "gave", "find": "found",
    "hold": "held", "send": "sent", "spend": "spent", "throw": "threw", "undo": "undid",
    "redo": "redid", "feed": "fed", "lead": "led", "shut": "shut", "hide": "hid", "bind": "bound",
    "unbind": "unbound", "choose": "chose", "begin": "began", "stick": "stuck", "do": "did",
}
_SPECIAL = {"use": "switched to", "support": "added support for", "ensure": "made sure",
            "speed": "sped", "initial": "started"}
_VERBS = frozenset("""
add allow avoid batch bound bump cache change check clean clarify collect combine compute configure
convert copy correct create debounce declare default defer delete deprecate detect disable document
drop emit enable enforce expand expose extend extract fail fallback fetch fix flatten flush format
guard handle harden hook ignore implement import improve increase inline install introduce isolate
limit load lock log lower match merge migrate mock move normalize normalise note optimize optimise
parse pass patch pin polish port prefer prepare prevent print protect prune raise rebuild record
redact reduce refactor reject release remove rename reorder repair replace report require reset
resolve restore restrict retry return reuse revert rework save scan separate serialize show simplify
skip sort start stop store stream strip switch sync test tidy track translate trim tune turn unify
unwrap update upgrade validate verify warn wire wrap yield provide accept apply attach call close
collapse deduplicate delay describe drain encode decode escape explain fill filter finish fold hash
ignore index listen mark measure open pick poll post query queue rate register render request
resize retain reveal rotate route schedule select serve shorten slow sanitize shrink sign solve
spawn split stage swap tag tighten time toggle trace trigger truncate type unlock watch
""".split()) | frozenset(_IRREGULAR) | frozenset(_SPECIAL)


# Verbs that double their last consonant: stop -> stopped, set -> setting.
_DOUBLES = frozenset("stop drop ship strip wrap unwrap swap trim plan pin skip tag log flag prefer "
                     "emit submit permit set get put cut run begin shut let split".split())


def _past(verb: str) -> str:
    if verb in _SPECIAL:
        return _SPECIAL[verb]
    if verb in _IRREGULAR:
        return _IRREGULAR[verb]
    if verb.endswith("e"):
        return verb + "d"
    if verb.endswith("y") and verb[-2:-1] not in "aeiou":
        return verb[:-1] + "ied"
    if verb in _DOUBLES:
        return verb + verb[-1] + "ed"
    return verb + "ed"


_PAST_FORMS = frozenset(_past(v) for v in _VERBS) | frozenset(
    {"added", "fixed", "changed", "removed", "reworked", "renamed", "set up", "updated"})


def _pick(key: str, options: Sequence[str]) -> str:
    digest = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16)
    return options[digest % len(options)]


def _clean(text: str) -> str:
    """Drop sentences that would reveal the source material; keep the rest verbatim, as text
    (commit text can hold HTML or markdown that must not render: story/escape.py)."""
    kept = [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s and meta_reference(s) is None]
    return escape_prose(" ".join(kept))


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
    """'Add journal writer' -> 'I added journal writer'; '' when it is not a verb phrase."""
    words = headline.split(" ", 1)
    verb = words[0].lower().rstrip(":,")
    rest = words[1] if len(words) > 1 else ""
    if verb == "set" and rest.lower().startswith("up "):
        return f"I set up {rest[3:]}".strip()
    if verb in _VERBS:
        return f"I {_past(verb)} {rest}".strip()
    if verb.endswith("es") and verb[:-2] in _VERBS and len(verb) > 4:
        return f"I {_past(verb[:-2])} {rest}".strip()  # "Fixes X"
    if verb.endswith("s") and verb[:-1] in _VERBS and not verb.endswith("ss"):
        return f"I {_past(verb[:-1])} {rest}".strip()  # "Adds X"
    if verb in _PAST_FORMS:
        return f"I {verb} {rest}".strip()
    return ""


def gerund(headline: str) -> str:
    """'Fix mypy findings' -> 'fixing mypy findings'; other headlines unchanged."""
    words = headline.split(" ", 1)
    verb = words[0].lower()
    rest = (" " + words[1]) if len(words) > 1 else ""
    if verb not in _VERBS or verb in _SPECIAL:
        return _lower_first(headline)
    if verb.endswith("ie"):
        stem = verb[:-2] + "y"
    elif verb.endswith("e") and not verb.endswith(("ee", "ye", "oe")):
        stem = verb[:-1]
    elif verb in _DOUBLES:
        stem = verb + verb[-1]
    else:
        stem = verb
    return f"{stem}ing{rest}"


def _as_clause(headline: str) -> str:
    """A headline that can follow "then came": "the config loader" or "fixing X"."""
    text = _clean(headline).rstrip(".")
    told = first_person(text)
    if told:
        return "the moment " + told
    return _lower_first(text)


def heading_for(chapter: Chapter, used: set[str]) -> str:
    text = _clean(chapter.lead.headline).rstrip(".") or escape_prose(chapter.lead.headline).rstrip(".")
    text = re.sub(r"\s+", " ", text)
    if len(text) > 72:
        text = re.sub(r"(?:&[#\w]*|\\)$", "", text[:72].rsplit(" ", 1)[0]) + "…"  # no half entity
    if not text or GENERIC_HEADINGS.match(text) or meta_reference(text):
        text = f"Reworking {code_span(chapter.topic)}" if chapter.topic else "Reworking the code"
    if text.lower() in used and chapter.lead.identifiers:
        text = f"{text} in {code_span(chapter.lead.identifiers[0])}"  # two fixes of one kind: say where
    base, n = text, 2
    while text.lower() in used:
        text = f"{base} ({n})"
        n += 1
    used.add(text.lower())
    return text


def _code_name(name: str) -> str:
    return escape_prose(name) if " " in name else code_span(name.strip("`"))


def _fresh(text: str, said: set[str]) -> str:
    """The sentences of ``text`` not told yet (a message's reason often repeats its problem)."""
    kept = []
    for sentence in re.split(r"(?<=[.!?])\s+", _clean(text)):
        key = re.sub(r"\W+", " ", sentence).strip().lower()
        if key and key not in said:
            said.add(key)
            kept.append(sentence)
    return " ".join(kept)


def beat_paragraph(beat: Beat, lead: bool = False) -> str:
    parts: list[str] = []
    said: set[str] = set()
    headline = _clean(beat.headline)
    told = first_person(headline)
    if told:
        parts.append(_sentence(told))
    else:
        opener = _pick(beat.sha + "lead", ("Next up: {h}.", "Then came {h}.", "I turned to {h}."))
        parts.append(opener.format(h=_lower_first(headline.rstrip("."))))
    _fresh(headline, said)
    tension = _fresh(beat.tension, said) if beat.tension.rstrip(".") != beat.headline.rstrip(".") else ""
    if tension:
        intro = _pick(beat.sha + "t", ("The catch:", "Here was the problem:", "What bit me:"))
        parts.append(f"{intro} {_lower_first(tension)}")
    insight = _fresh(beat.insight, set(said))  # claimed below, after the reason
    why = _fresh(beat.why, said | ({re.sub(r"\W+", " ", insight).strip().lower()} if insight else set()))
    if why:
        intro = _pick(beat.sha + "w", ("Why it mattered:", "The reason:", "Why bother?"))
        parts.append(f"{intro} {_sentence(why)}")
    what = _clean(beat.what)
    if what and (lead or ";" in what):
        body = _lower_first(what)
        intro = _pick(beat.sha + "p", ("In practice I {w}", "Concretely, I {w}", "Under the hood I {w}"))
        parts.append(_sentence(intro.format(w=body)))
    numbers = [n for n in beat.numbers if n not in beat.headline and n not in what]
    if numbers:
        parts.append(f"The numbers that mattered: {escape_prose(', '.join(numbers[:4]))}.")
    if insight:
        intro = _pick(beat.sha + "i", ("The insight:", "That was the moment it clicked:", "What I took away:"))
        parts.append(f"{intro} {_sentence(insight)}")
    return " ".join(p for p in parts if p)


_PROSE_FILES = (".md", ".rst", ".txt", ".adoc")
_CONFIG_FILES = (".yaml", ".yml", ".json", ".toml", ".cfg", ".ini", ".lock")


def _excerpt_block(beat: Beat) -> str:
    # Code tells the story; a changelog or a licence does not. Config only when it is all.
    hunks = [h for h in beat.excerpt if not h.path.lower().endswith(_PROSE_FILES)]
    hunks.sort(key=lambda h: h.path.lower().endswith(_CONFIG_FILES))
    for hunk in hunks:
        lines = [line for line in hunk.lines if not meta_reference(line[1:])]
        if len(lines) >= 2:
            where = escape_prose(hunk.path) + (f", in {code_span(hunk.header)}" if hunk.header else "")
            fence = fence_for(lines[:8])  # a line of the excerpt cannot close the block
            return f"Here is the heart of it ({where}):\n\n{fence}diff\n" + "\n".join(lines[:8]) + f"\n{fence}"
    return ""


def chapter_text(chapter: Chapter, heading: str, next_heading: str | None) -> str:
    out = [f"## {heading}", ""]
    order = {beat.sha: i for i, beat in enumerate(chapter.beats)}  # journal order breaks time ties
    beats = sorted(sorted(chapter.beats, key=lambda b: -b.importance)[:5], key=lambda b: (b.time, order[b.sha]))
    for beat in beats:
        out += [beat_paragraph(beat, lead=beat is chapter.lead), ""]
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
        out += [hook.format(n=_as_clause(next_heading)), ""]
    return "\n".join(out)


def _date(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y-%m-%d")


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


_TITLE_KINDS = {"feature": 0, "perf": 1, "fix": 2, "refactor": 3}


def title_for(plan: DraftPlan) -> str:
    leads = sorted((c.lead for c in plan.chapters),
                   key=lambda b: (_TITLE_KINDS.get(b.kind, 9), not b.identifiers, -b.importance))
    phrases = [_clean(b.headline).rstrip(".") for b in leads[:2]]
    phrases = [p for p in phrases if p]
    if not phrases:
        return f"Building {plan.project}"
    if len(phrases) == 2 and len(phrases[0]) + len(phrases[1]) < 80:
        return f"{plan.project}: {phrases[0]}, and {gerund(phrases[1])}"
    return f"{plan.project}: {phrases[0]}"


def tags_for(plan: DraftPlan) -> list[str]:
    counts: Counter[str] = Counter()
    for chapter in plan.chapters:
        for beat in chapter.beats:
            counts.update(escape_prose(a.strip("/")) for a in beat.areas[:2])
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
                         if told else f"This stretch of {plan.project} started with {_lower_first(_clean(opening.headline).rstrip('.'))}.")
    beats = [b for c in plan.chapters for b in c.beats]
    if beats:
        days = max(1, round((beats[-1].time - beats[0].time) / 86400))
        files = sum(b.stats.files for b in beats)
        areas = Counter(a for b in beats for a in b.areas[:1])
        where = ", ".join(code_span(a) for a, _ in areas.most_common(3))
        kinds = Counter(b.kind for b in beats)
        fixes = kinds.get("fix", 0)
        built = kinds.get("feature", 0)
        sentence = f"Over {days} day{'s' if days != 1 else ''} I touched {files} files"
        sentence += f", mostly in {where}" if where else ""
        counts = [f"{n} {word}" for n, word in ((built, "new features" if built != 1 else "new feature"),
                                                (fixes, "fixes" if fixes != 1 else "fix")) if n]
        sentence += (": " + " and ".join(counts) + ".") if counts else "."
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
                   + "; ".join(gerund(_clean(b.headline).rstrip(".")) for b in leads) + ".")
        out.append("")
    latest = [b for b in plan.next_steps if _clean(b.headline)] or [plan.chapters[-1].lead]
    out += [f"## Next Up for {plan.project}", ""]
    if latest:
        last = latest[-1]
        areas = ", ".join(code_span(a) for a in last.areas[:2])
        out.append(f"The latest piece of work was {gerund(_clean(last.headline).rstrip('.'))}"
                   + (f", in {areas}" if areas else "") + ". That is where I pick up next: "
                   "what it opened up still needs to be tested in real use and tightened.")
        remaining = [b for b in plan.lessons if b.kind in ("fix", "revert")]
        if remaining:
            out.append("")
            out.append(f"I also want a test that guards {gerund(_clean(remaining[-1].headline).rstrip('.'))}, "
                       "so that the problem cannot quietly come back.")
    out += ["", "---", "", f"Thanks for reading! If you are building something similar, I'd love to compare notes."]
    return out


def write_post(plan: DraftPlan) -> str:
    plan = dataclasses.replace(plan, project=escape_prose(plan.project))  # a folder name is text too
    if not plan.chapters:
        return _empty_post(plan)
    beats = [b for c in plan.chapters for b in c.beats]
    title = title_for(plan)
    description = _sentence(first_person(_clean(plan.chapters[0].lead.headline)) or _clean(plan.chapters[0].lead.headline))
    lines = [
        "---",
        f"title: {_quote(front_matter_text(title))}",
        f"date: {_quote(_date(beats[-1].time))}",
        f"description: {_quote(front_matter_text(description))}",
        "tags: [" + ", ".join(_quote(front_matter_text(t)) for t in tags_for(plan)) + "]",
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
        f"title: {_quote(front_matter_text(plan.project) + ': Nothing to Tell Yet')}\n"
        f"date: {_quote(datetime.now(timezone.utc).strftime('%Y-%m-%d'))}\n"
        'description: "An empty journal."\n'
        f"tags: [{_quote(front_matter_text(plan.project))}]\n"
        "published: false\n"
        "---\n\n"
        f"I haven't written any code in {plan.project} that the journal knows about yet. "
        "Run `devlog backfill` to read the work so far, then draft again.\n"
    )
