"""`devlog check`: the seed's hard rules and what a reader notices, as code. Pure: text in,
violations out.

Every rule is a row of :data:`RULES` — an id, the message a writer reads, and a threshold
where one applies — so a rule can be named, counted and tested on its own. HTML comments
are invisible on the page and never checked; code blocks are quoted, not narration.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from devlogd.pipeline.noise import NoiseFilter
from devlogd.story.style import ENDING_WORDS, FIRST_PERSON, GENERIC_HEADINGS, META_REFERENCES

REQUIRED_FRONT_MATTER = ("title", "date", "description", "tags", "published")


@dataclass(frozen=True)
class Violation:
    rule: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.rule}: {self.text}" if self.line else f"{self.rule}: {self.text}"


@dataclass(frozen=True)
class CheckContext:
    """What the checker may know of the post's project (all optional): its name, the folder
    it lives in, the subjects of its changes, and its noise classes."""

    project: str = ""
    folder: str = ""
    subjects: frozenset[str] = frozenset()
    noise: NoiseFilter | None = None


@dataclass
class Post:
    """A post taken apart once for every rule."""

    lines: list[str]
    fields: dict[str, str]
    body_start: int
    prose: list[tuple[int, str]]  # (line number, line) outside front matter, code and comments
    headings: list[tuple[int, str]]
    sentences: list[tuple[int, str]] = field(default_factory=list)
    code_intros: list[tuple[int, str]] = field(default_factory=list)  # the line before each code block


@dataclass(frozen=True)
class Rule:
    id: str
    message: str
    find: Callable[[Post, CheckContext, Rule], Iterator[tuple[int, str]]]
    threshold: float = 0


def check_post(text: str, context: CheckContext | None = None) -> list[Violation]:
    context = context or CheckContext()
    post = _parse(text)
    found: list[Violation] = []
    for rule in RULES:
        for line, detail in rule.find(post, context, rule):
            found.append(Violation(rule.id, line, detail))
    return found


# -- taking the post apart ----------------------------------------------------------------------------

def _front_matter(lines: list[str]) -> tuple[dict[str, str], int]:
    if not lines or lines[0].strip() != "---":
        return {}, 0
    fields: dict[str, str] = {}
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return fields, index + 1
        key, sep, value = lines[index].partition(":")
        if sep and key.strip() and not key.startswith(" "):
            fields[key.strip()] = value.strip()
    return {}, 0


def _parse(text: str) -> Post:
    text = re.sub(r"<!--.*?-->", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    lines = text.splitlines()
    fields, start = _front_matter(lines)
    prose: list[tuple[int, str]] = []
    intros: list[tuple[int, str]] = []
    fenced = False
    last = (0, "")
    for number, line in enumerate(lines[start:], start=start + 1):
        if line.strip().startswith(("```", "~~~")):
            if not fenced:
                intros.append(last)
            fenced = not fenced
            continue
        if not fenced:
            prose.append((number, line))
            if line.strip():
                last = (number, line)
    headings = [(n, l.lstrip("#").strip()) for n, l in prose if re.match(r"^#{2,6}\s", l)]
    post = Post(lines, fields, start, prose, headings, code_intros=intros)
    post.sentences = list(_sentences(prose))
    return post


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z`“\"(])")


def _sentences(prose: list[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    for number, line in prose:
        text = line.strip()
        if not text or text.startswith(("#", "|", ">", "---")) or re.match(r"^<\w", text):
            continue
        text = re.sub(r"^[-*]\s+", "", text)
        for sentence in _SENTENCE_END.split(text):
            if sentence.strip():
                yield number, sentence.strip()


def _plain(line: str) -> str:
    return re.sub(r"`[^`]*`", "", line)  # inline code names things; it is not narration


# -- the seed's hard rules ------------------------------------------------------------------------------

def _front(post: Post, context: CheckContext, rule: Rule) -> Iterator[tuple[int, str]]:
    if not post.body_start:
        yield 1, "the post must start with a --- front matter block"
        return
    for key in REQUIRED_FRONT_MATTER:
        if key not in post.fields:
            yield 1, f"missing `{key}`"


def _empty_field(name: str) -> Callable[[Post, CheckContext, Rule], Iterator[tuple[int, str]]]:
    def find(post: Post, context: CheckContext, rule: Rule) -> Iterator[tuple[int, str]]:
        if post.body_start and name in post.fields and not post.fields[name].strip("\"' "):
            yield 1, f"the {name} is empty"
    return find


_QUOTE = re.compile(r"“([^”\n]{1,1000})”")
_ESCAPED = re.compile(r"\\([\[\]`\\#>+*=|.)-])")


def _unquoted(line: str, context: CheckContext) -> str:
    """The line without the author's own subjects quoted verbatim (“Initial commit”): the
    offline post quotes them as the author wrote them, and a quotation is not narration."""
    if not context.subjects or "“" not in line:
        return line
    def drop(match: re.Match[str]) -> str:
        said = _ESCAPED.sub(r"\1", match.group(1)).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
        return "“”" if said in context.subjects else match.group(0)
    return _QUOTE.sub(drop, line)


def _meta(pattern: re.Pattern[str]) -> Callable[[Post, CheckContext, Rule], Iterator[tuple[int, str]]]:
    def find(post: Post, context: CheckContext, rule: Rule) -> Iterator[tuple[int, str]]:
        for number, line in post.prose:
            match = pattern.search(_plain(_unquoted(line, context)))
            if match:
                yield number, match.group(0)
    return find


def _generic(post: Post, context: CheckContext, rule: Rule) -> Iterator[tuple[int, str]]:
    for number, heading in post.headings:
        if GENERIC_HEADINGS.match(re.sub(r"[*_`]", "", heading).strip()):
            yield number, heading


def _structure(post: Post, context: CheckContext, rule: Rule) -> Iterator[tuple[int, str]]:
    if len(post.headings) < 2:
        yield 0, "a post needs chapters: at least two ## headings"


WORDS_PER_FIRST_PERSON = 30  # a post's prose needs an I or we for every this many words, three at most


def _first_person(post: Post, context: CheckContext, rule: Rule) -> Iterator[tuple[int, str]]:
    # A brand-new repository's post is a few sentences: two "I"s are its whole voice, so
    # what is asked grows with the prose instead of being three for every post.
    prose = "\n".join(l for _, l in post.prose)
    needed = max(1, min(3, len(prose.split()) // WORDS_PER_FIRST_PERSON))
    if len(FIRST_PERSON.findall(prose)) < needed:
        yield 0, "tell it as I/we: first-person voice is missing"


def _ending(post: Post, context: CheckContext, rule: Rule) -> Iterator[tuple[int, str]]:
    tail = "\n".join(l for _, l in post.prose[-max(12, len(post.prose) // 4):])
    if not ENDING_WORDS.search(tail):
        yield 0, "the ending must say what was learned and what comes next"


# -- what a reader notices --------------------------------------------------------------------------------

_SLOTS = re.compile(r"(?<=\w) [.,;:](?!\w)|: ;|, ,|\(\s*\)|``|\b(?:to|and|the|a|an|of|in|with|by) [.;:,]"
                    r"|\b(?:to|and|the|a|an|of)\.$|\S  +\S")


def _empty_slots(post: Post, context: CheckContext, rule: Rule) -> Iterator[tuple[int, str]]:
    for number, line in post.prose:
        text = line.strip()
        if not text or text.startswith(("#", "|", ">")) or text == "---" or re.match(r"^<", text):
            continue
        plain = re.sub(r"`[^`]*`", "CODE", _unquoted(text, context))  # a name in backticks fills its slot
        match = _SLOTS.search(plain)
        if match:
            yield number, f"…{plain[max(0, match.start() - 25): match.end() + 15]}…"


def _raw_subjects(post: Post, context: CheckContext, rule: Rule) -> Iterator[tuple[int, str]]:
    subjects = {s.strip().rstrip(".").lower() for s in context.subjects}
    if not subjects:
        return
    title = post.fields.get("title", "").strip("\"' ")
    candidates = [(1, title.split(": ", 1)[-1])] + post.headings
    for number, text in candidates:
        if re.sub(r"[`*_]", "", text).strip().rstrip(".").lower() in subjects:
            yield number, text


def _cut(post: Post, context: CheckContext, rule: Rule) -> Iterator[tuple[int, str]]:
    title = post.fields.get("title", "").strip("\"' ")
    for number, text in [(1, title)] + post.headings:
        if text.rstrip().endswith(("…", "...")):
            yield number, text


_OPENERS = re.compile(r"^(?:[“\"(]?)(\w+(?:[’']\w+)?)(?:,)?\s+(\w+)")


def _repeated_openers(post: Post, context: CheckContext, rule: Rule) -> Iterator[tuple[int, str]]:
    openers: Counter[str] = Counter()
    first_line: dict[str, int] = {}
    for number, sentence in post.sentences:
        match = _OPENERS.match(_unquoted(sentence, context))
        if match:
            key = f"{match.group(1)} {match.group(2)}".lower()
            openers[key] += 1
            first_line.setdefault(key, number)
    for key, count in openers.items():
        if count > rule.threshold:
            yield first_line[key], f"{count} sentences open with “{key}”"


_NUMBER = re.compile(r"(?<![\w.])\d[\d,.]*\b")


def _statistics(post: Post, context: CheckContext, rule: Rule) -> Iterator[tuple[int, str]]:
    sentences = [s for _, s in post.sentences]
    if len(sentences) < 8:
        return
    heavy = [s for s in sentences if len(_NUMBER.findall(_plain(s))) >= 2]
    if len(heavy) / len(sentences) > rule.threshold:
        yield 0, f"{len(heavy)} of {len(sentences)} sentences are mostly numbers"


def _noise_code(post: Post, context: CheckContext, rule: Rule) -> Iterator[tuple[int, str]]:
    if context.noise is None:
        return
    for number, intro in post.code_intros:
        for path in re.findall(r"`([^`\s]+\.[\w.]+|[^`\s]+/)`", intro):
            if context.noise.classify(path):
                yield number, f"{path} is a {context.noise.label(context.noise.classify(path))} file"


def _redaction(post: Post, context: CheckContext, rule: Rule) -> Iterator[tuple[int, str]]:
    for number, line in post.prose:
        if "[REDACTED" in line:
            yield number, line.strip()[:80]


def _folder(post: Post, context: CheckContext, rule: Rule) -> Iterator[tuple[int, str]]:
    folder, project = context.folder, context.project
    if not folder or not project or folder.lower() == project.lower():
        return
    pattern = re.compile(rf"(?<![\w/.-]){re.escape(folder)}(?![\w/.-])")
    title = post.fields.get("title", "")
    for number, line in [(1, title)] + post.prose:
        if pattern.search(_plain(line)):
            yield number, f"“{folder}” is the folder; the project is {project}"
            return


RULES: tuple[Rule, ...] = (
    Rule("front matter", "the post starts with front matter holding title, date, description, tags and published", _front),
    Rule("title", "the title is empty", _empty_field("title")),
    Rule("description", "the description is empty", _empty_field("description")),
    *(Rule(label, "the post must never mention commits, hashes or the history it was written from", _meta(pattern))
      for label, pattern in META_REFERENCES),
    Rule("generic heading", "headings name a real technical thing, never a generic chapter word", _generic),
    Rule("structure", "a post needs chapters: at least two ## headings", _structure),
    Rule("first person", "tell it as I or we", _first_person),
    Rule("ending", "the ending says what was learned and what comes next", _ending),
    Rule("empty slot", "a sentence with a hole in it: a missing word before punctuation", _empty_slots),
    Rule("raw subject", "a title or heading that only repeats a change's subject line", _raw_subjects),
    Rule("cut heading", "a title or heading cut short with an ellipsis", _cut),
    Rule("repeated opener", "too many sentences open with the same words", _repeated_openers, threshold=4),
    Rule("statistics", "numbers as filler: too many sentences are mostly counts", _statistics, threshold=0.25),
    Rule("noise excerpt", "code shown from a lockfile, asset, licence or other noise file", _noise_code),
    Rule("redaction marker", "a redaction marker in the prose: say it in words instead", _redaction),
    Rule("folder name", "the project is called by the folder it lives in", _folder),
)
