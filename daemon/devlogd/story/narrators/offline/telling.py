"""Microplanning: one chapter of the material told as paragraphs of typed sentences.

A change is told by what its headline is (a verb phrase in the past tense, a statement,
a noun phrase) or, when the headline says nothing usable, by its facts (the definitions
it added, the functions it reworked, the file it changed). Minor changes are told
together in one sentence. Relations shape the chapter (a fix of what a feature added, a
revert, a struggle, a pivot, a measured result), and nothing claims a cause the facts do
not carry. The chapter's most telling hunk of code closes it, introduced by what to look
at in it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from devlogd.models import Beat, Hunk
from devlogd.pipeline.beats import ISSUE_SUFFIX
from devlogd.pipeline.excerpts import file_kind, score_lines
from devlogd.pipeline.extract import is_test_name
from devlogd.pipeline.reasons import NEW_STATE, ORDER, is_filler, is_reason, same_thought, sentences_of
from devlogd.story.labels import reasons, title
from devlogd.story.drafting import Chapter
from devlogd.story.narrators.offline import english
from devlogd.story.narrators.offline.english import Headline, code, join, understand
from devlogd.story.narrators.offline.lexicon import Chooser
from devlogd.story.relations import Relation
from devlogd.story.escape import escape_prose, fence_for
from devlogd.story.style import meta_reference

TOLD_ONE_BY_ONE = 4  # changes of a chapter told in sentences of their own; the rest together
CODE_LINES = 12

LANGUAGES = {".py": "python", ".c": "c", ".h": "c", ".cc": "cpp", ".cpp": "cpp", ".hpp": "cpp", ".rs": "rust",
             ".go": "go", ".js": "javascript", ".mjs": "javascript", ".ts": "typescript", ".tsx": "tsx",
             ".lua": "lua", ".p8": "lua", ".rb": "ruby", ".java": "java", ".kt": "kotlin", ".cs": "csharp",
             ".swift": "swift", ".sh": "bash", ".toml": "toml", ".json": "json", ".yaml": "yaml", ".yml": "yaml",
             ".sql": "sql", ".css": "css", ".html": "html", ".zig": "zig", ".ex": "elixir", ".hs": "haskell"}


@dataclass
class Told:
    """A chapter as markdown blocks (paragraphs, a code block) and what it said."""

    blocks: list[str] = field(default_factory=list)
    names: set[str] = field(default_factory=set)


class ChapterTeller:
    def __init__(self, chooser: Chooser, project: str, explained: dict[str, str] | None = None) -> None:
        self.say = chooser.say
        self.project = project
        self.explained = explained or {}  # a name -> the comment its author wrote above it
        self.told: list[str] = []  # the author's sentences already in the post: each is told once
        self.needed_fixing: set[str] = set()  # "`ColabGame` needed fixing" is said once, not nine times

    def tell(self, chapter: Chapter, opening: str = "", first_chapter: bool = False) -> Told:
        told = Told()
        by_sha = {r.later.sha: r for r in chapter.relations}
        ranked = sorted(chapter.beats, key=lambda b: -b.importance)[:TOLD_ONE_BY_ONE]
        solo = [b for b in chapter.beats if b in ranked or b.sha in by_sha]
        minor = [b for b in chapter.beats if b not in solo]
        paragraph: list[str] = [opening] if opening else []
        for index, beat in enumerate(solo):
            relation = by_sha.get(beat.sha)
            start = "" if index else ("first" if first_chapter and not opening else "opens")
            sentences = self._beat(beat, relation, start)
            paragraph += sentences
            if len(paragraph) >= 4 or relation is not None and len(sentences) > 1:  # a relation told ends it
                told.blocks.append(" ".join(p for p in paragraph if p))
                paragraph = []
        if minor:
            together = self._together(minor)
            if together:
                paragraph.append(together)
        if paragraph:
            told.blocks.append(" ".join(p for p in paragraph if p))
        shown = self._code(chapter)
        if shown:
            told.blocks += shown
        return told

    # -- one change -------------------------------------------------------------------------

    def _beat(self, beat: Beat, relation: Relation | None, start: str) -> list[str]:
        out: list[str] = []
        if relation is not None and relation.kind in ("fixes", "pivot") and not (
                relation.kind == "fixes" and (named_in(relation).strip("`") in title(beat)
                                              or self._fixed_before(relation))):
            out.append(self._relation_before(relation))
        if relation is not None and relation.kind == "guards":
            out.append(self._guard(beat, start))
        else:
            out.append(self._main(beat, start))
        if relation is not None and relation.kind == "reverts" and relation.earlier is not None:
            out.append(self._taken_back(relation))
        out += self._reasons(beat)
        if relation is not None and relation.kind in ("struggle", "result", "built-on", "milestone"):
            out.append(self._relation_after(relation))
        return [english.sentence(s) if not s.endswith(("”", ".", "!", "?", ":")) else s for s in out if s]

    def _fixed_before(self, relation: Relation) -> bool:
        """Whether the post already said that this thing needed fixing (the first time is
        news; the struggle relation tells how often)."""
        thing = named_in(relation) or (relation.earlier.sha if relation.earlier else "")
        if thing in self.needed_fixing:
            return True
        self.needed_fixing.add(thing)
        return False

    def _guard(self, beat: Beat, start: str) -> str:
        """A test after a fix: named by the tests it added, or told by its own verb phrase
        ("so it would not come back, I allowed overriding which awk to use"), never a verb
        phrase forced into a noun ("a test: the allow overriding ...")."""
        tests = [n for n in beat.added if is_test_name(n)]
        if tests:  # a test named as one; `main` and `rules` are not "a test"
            return self.say("guards", test=join([code(n) for n in tests[:2]]))
        headline = understand(english.mark_code(_plain(title(beat))))
        if headline.form == "verb" and not headline.adverb:
            return self.say("guards_vp", vp=english.past(headline))
        if headline.form == "noun":
            return self.say("guards", test=english.noun_phrase(headline.text))
        return self._main(beat, start)

    def _main(self, beat: Beat, start: str) -> str:
        headline = understand(english.mark_code(_plain(title(beat))))
        if headline.form == "verb":
            if headline.adverb in ("always", "never"):
                vp = english.frequency_clause(headline, self.project)
            else:
                vp = english.past(headline)
            vp += self._added(beat, headline.text)
            if start:
                return self.say(start, vp=vp, vp_ing=_ing(headline, vp))
            return self.say("next", vp=vp)
        if headline.form == "clause":
            clause = english.lower_first(headline.text)
            return self.say("broken" if beat.kind == "fix" else "stated_opens" if start else "stated", clause=clause)
        if headline.form == "noun":
            key = {"first": "noun_first", "opens": "noun_opens"}.get(start, "noun")
            return self.say(key, np=english.noun_phrase(headline.text)) + self._which(beat, headline.text)
        return self.say("facts_opens" if start else "facts", facts=facts_clause(beat))

    def _added(self, beat: Beat, said: str) -> str:
        new = [n for n in english.tellable_names(beat.added) if n not in said][:2]
        settings = [n for n in beat.numbers if " = " in n and n.split(" = ")[0] not in said
                    and "[REDACTED" not in n][:2]  # a secret is never told, not even as a marker
        parts = ([f"adding {self._names_explained(new)}"] if new else []) + (
            [f"setting {join([code(_setting(n)) for n in settings])}"] if settings else [])
        return ", " + " and ".join(parts) if parts else ""

    def _which(self, beat: Beat, said: str) -> str:
        new = [n for n in english.tellable_names(beat.added) if n not in said][:2]
        if not new:
            return ""
        return " " + english.sentence(self.say("which", names=self._names_explained(new)))

    def _names_explained(self, names: list[str]) -> str:
        """`a` and `b`, the first with what its author's comment says it does, once a post."""
        comment = self.explained.pop(names[0], "")
        if comment and len(comment) <= 100 and not comment.endswith("…"):
            return code(names[0]) + f" ({english.words(english.lower_first(comment.rstrip('.')))})" + (
                f" and {code(names[1])}" if len(names) > 1 else "")
        return join([code(n) for n in names])

    def _reasons(self, beat: Beat) -> list[str]:
        said = [title(beat)]
        out: list[str] = []
        for key, text in (("tension", reasons(beat).tension), ("why", reasons(beat).why), ("insight", reasons(beat).insight)):
            if text and tellable(text) and not any(same_thought(text, s) for s in said + self.told):
                # "Add (basic) tests ..." is a to-do item, "X now does Y" the cure: quoted, never "The problem: ..."
                if ORDER.match(text) or key == "tension" and NEW_STATE.search(text):
                    out.append(self.say("said", text=english.words(text)))
                else:
                    out.append(self.say(key, text=english.sentence(english.words(text))))
                said.append(text)
                self.told.append(text)
        if not out and beat.importance >= 45:  # the author's own words, for changes that matter
            rest = [s for s in sentences_of(_body(beat.message))
                    if not is_filler(s) and tellable(s) and not any(same_thought(s, t) for t in said)]
            rest = [r for r in rest if not any(same_thought(r, t) for t in self.told)]
            if rest:
                # Two items of a bulleted message stay two sentences: "… for this purpose. Add …"
                quote = english.words(_clip(" ".join(english.sentence(r) for r in rest[:2]), 220))
                out.append(self.say("said", text=quote))
                self.told += rest[:2]
        return out

    def _relation_before(self, relation: Relation) -> str:
        earlier = relation.earlier
        if relation.kind == "fixes" and earlier is not None:
            return self.say("fixes", evidence=named_in(relation) or as_subject(_plain(title(earlier))))
        if relation.kind == "pivot":
            return self.say("pivot", evidence=english.words(relation.evidence))
        return ""

    def _taken_back(self, relation: Relation) -> str:
        earlier = relation.earlier
        assert earlier is not None
        named = named_in(relation)
        what = named if named and named.strip("`") not in title(relation.later) else f"“{_plain(title(earlier))}”"
        when = _gap_phrase(relation.later.time - earlier.time).replace(" later", " earlier")
        return self.say("reverts", what=what, when=when)

    def _relation_after(self, relation: Relation) -> str:
        key = "builton" if relation.kind == "built-on" else relation.kind
        evidence = relation.evidence
        if relation.kind == "built-on":
            evidence = join([code(d) for d in evidence.split(", ")])
        return self.say(key, evidence=english.words(evidence) if relation.kind != "built-on" else evidence)

    def _together(self, beats: list[Beat]) -> str:
        phrases = []
        reworked: dict[str, list[str]] = {}
        for beat in beats[:5]:
            headline = understand(english.mark_code(_plain(title(beat))))
            if headline.form == "verb" and headline.adverb not in ("always", "never"):
                phrases.append(english.past(headline))
            elif headline.form == "noun":
                phrases.append(f"worked on {english.noun_phrase(headline.text)}")
            elif beat.touched and beat.files and not beat.added:
                reworked.setdefault(beat.files[0], []).extend(beat.touched[:2])
            else:
                phrases.append(facts_clause(beat))
        for path, names in reworked.items():  # one clause a file: "reworked `a` and `b` in x.c"
            phrases.append(f"reworked {join([code(n) for n in dict.fromkeys(names)])} in `{path}`")
        counted = Counter(phrases)  # "changed `README.md`" three times is said once
        phrases = [p + (f" ({english.count(counted[p], 'time')})" if counted[p] > 1 else "") for p in counted]
        if len(beats) > 5:
            phrases.append(f"made {english.count(len(beats) - 5, 'more small change')}")
        if not phrases:
            return ""
        return english.sentence(self.say("minor", list=join(phrases)))

    # -- the code that tells ---------------------------------------------------------------------

    def _code(self, chapter: Chapter) -> list[str]:
        best = telling_hunk(chapter)
        if best is None:
            return []
        beat, hunk = best
        lines = _trimmed(hunk.lines)[:CODE_LINES]
        path = f"`{hunk.path}`"
        if file_kind(hunk.path) == "prose":
            quoted = [l[1:].strip() for l in lines if l.startswith("+")]
            return [self.say("prose_file", path=path), "\n".join(f"> {q}" for q in quoted)]
        defined = _defined_in(lines, beat.added)
        name = defined or (hunk.header if hunk.header and hunk.header not in ("None",) else "")
        if defined:
            intro = self.say("code_new", name=code(name), path=path)
        elif name:
            intro = self.say("code_change", name=code(name), path=path)
        else:
            intro = self.say("code_file", path=path)
        added_only = all(l.startswith("+") for l in lines)
        language = LANGUAGES.get(_suffix(hunk.path), "") if added_only else "diff"
        body = "\n".join(l[1:] for l in lines) if added_only else "\n".join(lines)
        fence = fence_for(lines)  # a line of the excerpt cannot close the block early
        return [intro, f"{fence}{language}\n{_dedent(body) if added_only else body}\n{fence}"]


def _setting(constant: str) -> str:
    """"DEFAULT_DELAY = 10000  // milliseconds" -> "DEFAULT_DELAY = 10000"."""
    return re.split(r"\s+(?://|#|/\*)", constant, maxsplit=1)[0].strip()


def named_in(relation: Relation) -> str:
    """The code a relation's evidence names: "`config`, added on ..." -> "`config`"."""
    match = re.search(r"`[^`]+`", relation.evidence)
    return match.group(0) if match else ""


def as_subject(headline: str) -> str:
    """A change named as the subject of a sentence: a noun phrase as it is ("the systemd
    service"), anything else in quotes ("“Avoid a couple of heap allocations”"), never a verb
    phrase behind an article ("the avoid a couple of ...")."""
    understood = understand(english.mark_code(headline))
    return english.noun_phrase(understood.text) if understood.form == "noun" else f"“{headline}”"


def tellable(text: str) -> bool:
    """An author's sentence a post can carry as it is: a reason, short enough to read in
    one breath, and free of words that would show where it came from."""
    return (is_reason(text) and len(text) <= 220 and meta_reference(text) is None and "…" not in text
            and "[REDACTED" not in text)


def telling_hunk(chapter: Chapter) -> tuple[Beat, Hunk] | None:
    """The chapter's most telling hunk: the best-scored among its changes, the lead's and
    a fix's first, never a noise file."""
    candidates: list[tuple[float, Beat, Hunk]] = []
    for beat in chapter.beats:
        bonus = 1.3 if beat is chapter.lead or beat.kind == "fix" else 1.0
        for hunk in beat.excerpt:
            kind = file_kind(hunk.path)
            score = score_lines(hunk.lines, kind)
            if kind == "prose":
                score *= 0.6
            if "[REDACTED" in " ".join(hunk.lines):
                continue  # code holding a secret is not the code that tells the story
            if len([l for l in hunk.lines if l[1:].strip()]) >= 2 and score > 2:
                candidates.append((score * bonus * (1.3 if beat.kind == "fix" and chapter.arc != "sequence" else 1.0),
                                   beat, hunk))
    if not candidates:
        return None
    _, beat, hunk = max(candidates, key=lambda c: c[0])
    return beat, hunk


def facts_clause(beat: Beat) -> str:
    """What a change did, from its facts alone: "added `parse_args` and `main` to spawn.py"."""
    where = f"`{beat.files[0]}`" if beat.files else "the code"
    if beat.added:
        home = _home_of(beat, beat.added[0])
        return f"added {join([code(n) for n in beat.added[:3]])}" + (f" in `{home}`" if home else "")
    if beat.removed:
        return f"removed {join([code(n) for n in beat.removed[:2]])} from {where}"
    if beat.touched:
        return f"reworked {join([code(n) for n in beat.touched[:2]])} in {where}"
    if beat.files:
        return f"changed {where}"
    return "tidied things up"


def _home_of(beat: Beat, name: str) -> str:
    """The file a definition was added in, when code in an excerpt shows it or only one
    file changed."""
    word = re.compile(rf"(?<![\w$]){re.escape(name)}(?![\w$])")
    for hunk in beat.excerpt:
        if file_kind(hunk.path) != "prose" and any(word.search(l) for l in hunk.lines if l.startswith("+")):
            return hunk.path
    return beat.files[0] if len(beat.files) == 1 else ""


_DEFINED = re.compile(r"^[+-]?[ \t]*(?:export[ \t]+)?(?:pub[ \t]+)?(?:async[ \t]+)?(?:static[ \t]+)?"
                      r"(?:def|function|fn|func|class|struct|enum|trait|interface|impl|type|local[ \t]+function)"
                      r"[ \t]+([A-Za-z_$][\w$]*)")


def _defined_in(lines: list[str], added: Sequence[str] = ()) -> str:
    """The name the shown lines define: a keyword definition, or (C and its kin) a name the
    change added standing at the start of a line with its parameters."""
    for line in lines:
        if line.startswith("+"):
            match = _DEFINED.match(line)
            if match:
                return match.group(1)
            for name in added:
                if re.match(rf"^\+(?:[\w*]+[ \t]+){{0,4}}{re.escape(name)}\s*\(", line):
                    return name
    return ""


def _trimmed(lines: list[str]) -> list[str]:
    """Excerpt lines without blank or brace-only lines at either end (a diff of appended
    code starts with the closing brace of what came before)."""
    def idle(line: str) -> bool:
        return not line[1:].strip() or re.fullmatch(r"[{}();\s]*", line[1:]) is not None

    start, end = 0, len(lines)
    while start < end and idle(lines[start]):
        start += 1
    while end > start and idle(lines[end - 1]) and not lines[end - 1][1:].strip().startswith("}"):
        end -= 1
    return lines[start:end]


def _ing(headline: Headline, vp: str) -> str:
    return english.lower_first(english.gerund(headline)) if headline.form == "verb" and not headline.negated else vp


_COMMIT_WORDS = ((re.compile(r"(?<![-\w])commit(s?)\b(?!-)", re.I), r"change\1"),
                 (re.compile(r"(?<![-\w])committ(?:ed|ing)\b", re.I), "saved"),
                 (re.compile(r"\bgit (?:history|log)\b", re.I), "history"))


def _plain(text: str) -> str:
    """A headline as a post can say it: no markdown or HTML that could break the page, and
    no word that gives away where the story came from ("4 per commit" -> "4 per change")."""
    text = ISSUE_SUFFIX.sub("", text.replace("*", "")).strip()  # HTML is escaped below: shown as text, never rendered
    text = "".join(c for c in text if c.isprintable())
    if text.count("`") % 2:
        text = text.replace("`", "")  # a lone backtick would swallow the rest of the paragraph as code
    text = re.sub(r"\s+(?::-?[)(DPp]|;-?\)|xD|XD|<3)(?=\s|$)", "", text)  # emoticons read as holes
    text = re.sub(r"(?<![\w/#-])(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,40}\b", "", text).strip()  # hashes
    for pattern, replacement in _COMMIT_WORDS:
        text = pattern.sub(replacement, text)
    return escape_prose(text)


def _body(message: str) -> str:
    parts = message.strip().split("\n\n", 1)
    return parts[1] if len(parts) > 1 else ""


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"


def _suffix(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    return name[name.rfind("."):].lower() if "." in name else ""


def _dedent(text: str) -> str:
    lines = text.split("\n")
    indents = [len(l) - len(l.lstrip()) for l in lines if l.strip()]
    cut = min(indents) if indents else 0
    return "\n".join(l[cut:] for l in lines)


def _gap_phrase(seconds: int) -> str:
    days = seconds / 86400
    if days < 1:
        return "the same day"
    if days < 2:
        return "the next day"
    return f"{english.duration(days)} later"
