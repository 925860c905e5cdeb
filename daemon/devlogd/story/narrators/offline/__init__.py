"""The offline narrator: a deterministic storyteller, no network. The same material always
gives the same post.

A small natural-language-generation pipeline over the story material: the document plan
(a hook from what the project is and how the work went; chapters that follow the arcs the
relations carry; an ending built from what was hardest and what is still open),
microplanning (telling.py: aggregation, lexical choice from a phrase bank with memory),
and realisation from typed headlines (english.py). Where only the author knows — a motive,
a lesson — an HTML comment asks for it instead of inventing one.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Mapping

from devlogd.models import Beat
from devlogd.story.labels import reasons, title
from devlogd.story.drafting import Chapter
from devlogd.story.material import Material, tellable_answer
from devlogd.story.narrators.offline import about, english
from devlogd.story.narrators.offline.english import code, join, understand
from devlogd.story.narrators.offline.lexicon import Chooser, frames_with
from devlogd.story.narrators.offline.telling import (LANGUAGES, ChapterTeller, _gap_phrase, _plain, as_subject, facts_clause,
                                                    named_in, tellable)
from devlogd.story.relations import Relation
from devlogd.story.escape import front_matter_text
from devlogd.story.timeline import local_time, part_of_day

HEADING_LIMIT = 64


def write_post(material: Material, phrases: Mapping[str, list[str]] | None = None) -> str:
    if not material.chapters:
        raise ValueError("no chapters to tell")  # the caller says so in one sentence instead
    seed = hashlib.sha256((material.project + "".join(b.sha for b in material.told)).encode()).hexdigest()
    chooser = Chooser(frames_with(phrases), seed, material.authorship.voice)
    writer = _Writer(material, chooser)
    return writer.post()


class _Writer:
    def __init__(self, material: Material, chooser: Chooser) -> None:
        self.m = material
        self.say = chooser.say
        explained = {d.name: d.comment for f in material.outline for d in f.definitions if about.explains(d.comment)}
        self.teller = ChapterTeller(chooser, material.project, explained)
        self.headings: list[str] = []

    def post(self) -> str:
        self.headings = _headings(self.m.chapters)
        parts = [self.front_matter(), *self.hook(), *self.background()]
        for index, chapter in enumerate(self.m.chapters):
            parts += ["---", f"## {self.headings[index]}", *self.chapter(index, chapter)]
        parts += ["---", *self.ending()]
        return "\n\n".join(p for p in parts if p).rstrip() + "\n"

    # -- front matter ---------------------------------------------------------------------

    def front_matter(self) -> str:
        last = self.m.told[-1]
        lines = ["---", f"title: {_quote(front_matter_text(self.title()))}",
                 f"date: {_quote(local_time(last).strftime('%Y-%m-%d'))}",
                 f"description: {_quote(front_matter_text(self.description()))}",
                 "tags: [" + ", ".join(_quote(t) for t in self.tags()) + "]", "published: false", "---"]
        return "\n".join(lines)

    def title(self) -> str:
        """The project and what it is or does: its tagline, what its README says it can
        do, or the main chapter's phrase."""
        identity = self.m.identity
        what = identity.tagline or about.what_it_does(identity.summary, identity.name)
        if not what:
            what = english.lower_first(self.headings[_main_chapter(self.m.chapters)])
        what = re.sub(r"^(A|An|The) ", lambda m: m.group(1).lower() + " ", what)  # "mustapekka: a pico-8 platformer"
        return f"{identity.name}: {what}"

    def description(self) -> str:
        ranked = sorted(range(len(self.m.chapters)), key=lambda i: -self.m.chapters[i].importance)[:2]
        topics = join([english.lower_first(self.headings[i]) for i in sorted(ranked)])
        return english.sentence(f"{_span_words(self.m.beats)} of work on {self.m.project}: {topics}")

    def tags(self) -> list[str]:
        files = Counter(LANGUAGES.get(_suffix(f), "") for b in self.m.told for f in b.files)
        languages = [_LANGUAGE_NAMES.get(l, l) for l, _ in files.most_common(3) if l and l not in ("json", "yaml", "toml")]
        dependencies = [d for b in self.m.told for d in b.dependencies][:2]
        return list(dict.fromkeys([self.m.project, *languages[:2], *dependencies]))[:5]

    # -- the opening ------------------------------------------------------------------------

    def hook(self) -> list[str]:
        paragraphs = []
        summary = about.what_it_is(self.m.identity.summary)
        if summary:
            text = " ".join(s if s.lower().startswith(self.m.project.lower()) else english.sentence(s) for s in summary)
            if self.m.project.lower() not in text.lower():
                text = f"This is {self.m.project}. {text}"
            paragraphs.append(english.words(text))
            how = about.how_it_works(self.m.identity.summary, summary)
            if how:
                paragraphs.append(english.words(" ".join(how)))
        opener = self._first_problem()
        rhythm = self._rhythm()
        paragraphs.append(" ".join(s for s in (opener, rhythm) if s))
        paragraphs.append(self._pieces())
        words = self.m.words
        if words.purpose:  # what it is for, in the author's words, after what the README says
            paragraphs.insert(1 if summary else 0, english.sentence(english.words(words.purpose)))
        if words.motive:  # the author's own motive opens the post
            paragraphs.insert(0, english.sentence(english.words(words.motive)))
        elif self.m.notes:
            early = [p.note.text for p in words.notes if p.beside is None or p.beside is self.m.told[0]]
            if early:
                paragraphs.append(english.sentence(english.words(early[0])))
        else:
            paragraphs.append(f"<!-- devlog: why did you start {self.m.project}? A sentence of motive opens this "
                              "post best, and only you know it. -->")
        return paragraphs

    def _pieces(self) -> str:
        """How the pieces fit, in the comments their author wrote above them: the main file's
        best-explained definitions in file order (told here, so not again in a chapter)."""
        if not self.m.outline:
            return ""
        item = self.m.outline[0]
        pieces = [d for d in item.definitions if d.name in self.teller.explained and "…" not in d.comment]
        if len(pieces) < 3:
            return ""
        chosen = sorted(sorted(pieces, key=lambda d: -len(d.comment))[:5], key=pieces.index)
        for piece in chosen:
            del self.teller.explained[piece.name]
        rows = [f"- {code(d.name)}: {english.words(english.sentence(d.comment))}" for d in chosen]
        return f"How the pieces fit, in the comments of `{item.path}`:\n\n" + "\n".join(rows)

    def _first_problem(self) -> str:
        # The first real piece of work: a change that added something or says what it did.
        first = next((b for b in self.m.told[:8] if b.kind in ("feature", "fix", "perf", "refactor")
                      and (b.added or understand(title(b)).form == "verb")), self.m.told[0])
        problem = next((b for b in self.m.told[:6] if reasons(b).tension and _a_problem(b)), None)
        when = local_time(self.m.beats[0] if self.m.beats else first)
        day = f"on a {when:%A} {part_of_day(when)} ({when:%Y-%m-%d})"
        headline = understand(english.mark_code(_plain(title(first))))
        what = english.past(headline) if headline.form == "verb" else facts_clause(first)
        start = english.sentence(f"It started {day}")
        if problem is not None and tellable(reasons(problem).tension):
            self.teller.told.append(reasons(problem).tension)  # told here, not again in its chapter
            return start + " " + self.say("tension", text=english.sentence(english.mark_code(reasons(problem).tension)))
        return start

    def _rhythm(self) -> str:
        told = self.m.beats
        if len(told) < 3:
            return ""
        biggest = max(self.m.sittings, key=lambda s: len(s.beats)) if self.m.sittings else None
        changes = english.count(len(told), "change")
        extra = ""
        if biggest is not None:
            when = local_time(biggest.start)
            one = f"one {when:%A} {part_of_day(when)}"
            if len(biggest.beats) == len(told):  # "five changes in one Sunday afternoon"
                return english.sentence(f"All of it took {changes} in {one}"
                                        + (f", {biggest.hours:.0f} hours" if biggest.hours >= 2 else ""))
            if len(biggest.beats) >= max(5, len(told) // 3):
                extra = f", {len(biggest.beats)} of them in {one}" + (
                    f" sitting of {biggest.hours:.0f} hours" if biggest.hours >= 2 else "")
        return self.say("rhythm", changes=changes, span=_span_words(told).lower(), biggest=extra)

    def background(self) -> list[str]:
        if not self.m.eras:
            return []
        total = sum(e.beats for e in self.m.eras)
        names = [n for e in self.m.eras for n in e.names][:4]
        around = f", mostly around {join([code(n) for n in names])}" if names else ""
        return [self.say("background", Project=self.m.project, project=self.m.project,
                         changes=english.count(total, "change"), start=self.m.eras[0].start,
                         end=self.m.eras[-1].end, names=around)]

    # -- chapters ----------------------------------------------------------------------------

    def chapter(self, index: int, chapter: Chapter) -> list[str]:
        opening = ""
        if index:
            previous = self.m.chapters[index - 1]
            gap = chapter.beats[0].time - previous.beats[-1].time
            if gap >= 86400 * 2:
                opening = english.sentence(self.say("later", gap=_gap_phrase(gap).replace(" later", ""),
                                                    Project=self.m.project, project=self.m.project))
        told = self.teller.tell(chapter, opening, first_chapter=index == 0)
        blocks = list(told.blocks)
        # Free notes (the first change's opens the post), and answers about a design or a trouble.
        for placed in self.m.notes:
            text = tellable_answer(placed.note.text) if placed.note.kind else placed.note.text
            beside = placed.beside
            if text and placed.note.kind in ("", "design", "trouble") and beside is not None \
                    and beside in chapter.beats and (placed.note.kind or beside is not self.m.told[0]):
                blocks.insert(1 if len(blocks) > 1 else len(blocks), english.sentence(english.words(text)))
        return blocks

    # -- the ending ---------------------------------------------------------------------------

    def ending(self) -> list[str]:
        return [*self._lessons(), *self._next()]

    def _lessons(self) -> list[str]:
        points = [lesson for relation in self.m.hardest if (lesson := _lesson(relation))]
        for beat in self.m.told:
            for text in (reasons(beat).insight, reasons(beat).tension):
                if text and tellable(text) and len(points) < 4:  # the same test as a chapter's reasons
                    points.append(english.sentence(english.words(text)))
        points = list(dict.fromkeys(points))[:4]
        if not points:
            return []
        out = [f"## What {self._lesson_topic()} taught {self._me()}", "\n".join(f"- {p}" for p in points),
               "<!-- devlog: the lesson in your own words: what would you tell someone building this? -->"]
        return out

    def _lesson_topic(self) -> str:
        for relation in self.m.hardest:
            match = re.search(r"`([^`]+)`", relation.evidence)
            if match:
                return code(match.group(1))
        return self.m.project

    def _next(self) -> list[str]:
        latest = self.m.latest[-1] if self.m.latest else self.m.told[-1]
        headline = understand(english.mark_code(_plain(title(latest))))
        if headline.form == "verb":
            forms = {"vp": english.past(headline), "vp_base": english.past(headline, "VB"),
                     "vp_pp": english.past(headline, "VBN")}
        else:
            forms = {"vp": facts_clause(latest), "vp_pp": facts_clause(latest)}
        out = [f"## Next for {self.m.project}", english.sentence(self.say("latest", **forms))]
        if self.m.open_threads:
            out.append("\n".join(f"- {self._open(t)}" for t in self.m.open_threads))
        words = self.m.words
        if words.result:  # what came of it, in the author's words
            out.insert(1, english.sentence(english.words(words.result)))
        credit = self._credit()
        if credit:
            out.append(credit)
        out.append(english.sentence(english.words(words.next)) if words.next else
                   "<!-- devlog: what comes next, in your words: the plan only you know. -->")
        out.append(self._sign_off(latest))
        return out

    def _open(self, thread: str) -> str:
        if " (in " in thread:  # a TODO in the code
            return self.say("open", text=english.words(thread))
        headline = understand(english.mark_code(_plain(thread)))
        text = english.lower_first(english.gerund(headline)) if headline.form == "verb" else english.lower_first(headline.text)
        return self.say("unfinished", text=text)

    def _credit(self) -> str:
        if not self.m.others:
            return ""
        by_author: dict[str, list[Beat]] = {}
        for beat in self.m.others:
            by_author.setdefault(beat.author, []).append(beat)
        who, beats = max(by_author.items(), key=lambda item: len(item[1]))
        done = []
        for beat in beats[:2]:
            headline = understand(english.mark_code(_plain(title(beat))))
            done.append(english.past(headline) if headline.form == "verb" else
                        "worked on " + english.noun_phrase(headline.text) if headline.form == "noun" else facts_clause(beat))
        return english.sentence(self.say("others", who=who, what=join(done)))

    def _sign_off(self, latest: Beat) -> str:
        url = _web_url(self.m.identity.remote)
        if url:
            return f"{self.m.project} lives at <{url}>."
        return english.sentence(f"That is where {self.m.project} stood on {local_time(self.m.told[-1]):%Y-%m-%d}")

    def _I(self) -> str:
        return "I" if self.m.authorship.voice == "I" else "we"

    def _me(self) -> str:
        return "me" if self.m.authorship.voice == "I" else "us"


def _lesson(relation: Relation) -> str:
    """What a hard part showed, as a sentence of facts."""
    thing = named_in(relation)
    if relation.kind == "struggle":
        return english.sentence(english.words(relation.evidence))
    if relation.kind == "reverts" and relation.earlier is not None:
        gap = _gap_phrase(relation.later.time - relation.earlier.time)
        what = thing or as_subject(_plain(title(relation.earlier)))
        why = reasons(relation.later).tension or reasons(relation.later).why
        return english.sentence(f"{what[:1].upper() + what[1:]} did not survive: it was taken back {gap}"
                                + (f". {why}" if why and tellable(why) else ""))
    return ""


# -- headings -------------------------------------------------------------------------------------

def _headings(chapters: list[Chapter]) -> list[str]:
    used: set[str] = set()
    subjects = {b.message.split("\n", 1)[0].strip().rstrip(".").lower() for c in chapters for b in c.beats}
    out = []
    for chapter in chapters:
        heading = _heading(chapter)
        if heading.lower().strip("`") in subjects:  # never a subject line as it was written
            names = chapter.lead.added[:1] or chapter.lead.touched[:1]
            heading = f"{heading} in {code(names[0])}" if names else f"Working on {english.lower_first(heading)}"
        base, n = heading, 2
        while heading.lower() in used:
            heading = f"{base}, again" if n == 2 else f"{base} ({n})"
            n += 1
        used.add(heading.lower())
        out.append(heading)
    return out


def _heading(chapter: Chapter) -> str:
    """A complete phrase that names a real thing: the verb phrase of the chapter's most
    important change (as a gerund), its noun phrase, or the names it added."""
    ranked = sorted(chapter.beats, key=lambda b: -b.importance)
    lead = next((b for b in ranked if understand(_plain(title(b))).form in ("verb", "noun")), chapter.lead)
    headline = understand(english.mark_code(_plain(title(lead))))
    if headline.form == "verb":
        return _shorten(english.gerund(headline))
    if headline.form == "noun":
        phrase = english.noun_phrase(headline.text)
        return _shorten(phrase[0].upper() + phrase[1:])
    names = lead.added[:2] or lead.touched[:2] or ([chapter.topic] if chapter.topic else [])
    if names:
        return _shorten("Inside " + join([code(n) for n in names]))
    return _shorten(f"Changes to `{lead.files[0]}`" if lead.files else "Small fixes")


def _shorten(text: str) -> str:
    """At most HEADING_LIMIT characters, cut at a phrase boundary, never with "…"."""
    text = re.sub(r"\s*\([^)]*\)\s*$", "", text).strip()
    while len(text) > HEADING_LIMIT:
        cut = max(text.rfind(sep, 0, HEADING_LIMIT) for sep in (" and ", ", ", " to ", " for ", " with ", " in ", " so "))
        if cut <= 10:
            words = text[:HEADING_LIMIT].rsplit(" ", 1)[0]
            return words.rstrip(",;:")
        text = text[:cut].rstrip(",;:")
    return text


def _main_chapter(chapters: list[Chapter]) -> int:
    return max(range(len(chapters)), key=lambda i: chapters[i].importance)


# -- small helpers ------------------------------------------------------------------------------------

_LANGUAGE_NAMES = {"python": "Python", "c": "C", "cpp": "C++", "rust": "Rust", "go": "Go", "javascript": "JavaScript",
                   "typescript": "TypeScript", "tsx": "TypeScript", "lua": "Lua", "ruby": "Ruby", "java": "Java",
                   "kotlin": "Kotlin", "csharp": "C#", "swift": "Swift", "bash": "Shell", "sql": "SQL", "css": "CSS",
                   "html": "HTML", "zig": "Zig", "elixir": "Elixir", "haskell": "Haskell"}


def _suffix(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    return name[name.rfind("."):].lower() if "." in name else ""


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# What was wrong, said as a state of things ("the daemon would hang", "it crashed"), not a
# description of what a change does ("Errors from the SDK become one sentence").
_PROBLEM_STATE = re.compile(r"\b(?:was|were|would|wouldn't|could(?:n't| not)|did(?:n't| not)|does(?:n't| not)|"
                            r"isn't|wasn't|can't|cannot|never|kept|crash(?:ed|es)|failed|fails|broke|breaks|hung|"
                            r"hangs|froze|freezes|leaked|leaks|timed out|took|stuck|lost|ignored|ignores)\b", re.I)


def _a_problem(beat: Beat) -> bool:
    """A beat whose tension can open a post as the problem in front of the author."""
    return _PROBLEM_STATE.search(reasons(beat).tension) is not None


def _span_words(beats: list[Beat]) -> str:
    days = (beats[-1].time - beats[0].time) / 86400 if beats else 0
    if days < 1:
        return "A day"
    return english.duration(max(2.0, days)).capitalize()


def _web_url(remote: str) -> str:
    if not remote:
        return ""
    match = re.match(r"^(?:git@|ssh://git@)([\w.-]+)[:/](.+?)(?:\.git)?/?$", remote)
    if match:
        return f"https://{match.group(1)}/{match.group(2)}"
    match = re.match(r"^(https?://[^@/]+/.+?)(?:\.git)?/?$", remote)
    return match.group(1) if match else ""
