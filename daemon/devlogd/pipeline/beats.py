"""From commit facts to story beats: deterministic rules, no network.

The kind of a beat comes from an ordered rule table (data, extendable in `.devlog.toml`).
A beat holds facts, never a sentence: the author's message verbatim, and what the diff
shows as a typed :class:`Action` (the definitions added, the constants set, the functions
reworked, the files created), so a message that says nothing ("wip", "idk", "fix") still
gives a useful beat. Telling it is a narrator's or a template's job.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import msgspec

from devlogd.config import BeatRule
from devlogd.models import SCHEMA_VERSION, Action, Beat, CommitFacts, FileChange, Stats
from devlogd.patterns import Searcher, user_regex
from devlogd.pipeline.excerpts import file_kind
from devlogd.pipeline.ignore import PathFilter
from devlogd.pipeline.reasons import TRAILERS

_CONVENTIONAL = r"(?:\([^)]*\))?!?:"

DEFAULT_RULES: tuple[BeatRule, ...] = (
    BeatRule(kind="revert", message=r"^revert\b"),
    BeatRule(kind="release", message=r"^(?:release|bump(?:ed)? version|v?\d+\.\d+(?:\.\d+)?\s*$|chore\(release\))|^(?:start|prepare|begin|open)\w*\s+(?:version|release|v?\d+\.\d+)|^(?:release|version)\s+v?\d+\.\d+"),
    BeatRule(kind="feature", message=rf"^feat(?:ure)?{_CONVENTIONAL}"),
    BeatRule(kind="fix", message=rf"^(?:fix|bugfix|hotfix){_CONVENTIONAL}"),
    BeatRule(kind="perf", message=rf"^perf{_CONVENTIONAL}"),
    BeatRule(kind="refactor", message=rf"^refactor{_CONVENTIONAL}"),
    BeatRule(kind="test", message=rf"^tests?{_CONVENTIONAL}"),
    BeatRule(kind="docs", message=rf"^docs?{_CONVENTIONAL}"),
    BeatRule(kind="build", message=rf"^(?:build|ci|deps){_CONVENTIONAL}"),
    BeatRule(kind="chore", message=rf"^(?:chore|style){_CONVENTIONAL}"),
    BeatRule(
        kind="test",
        paths=("test/", "tests/", "test_*", "*_test.*", "*.test.*", "*.spec.*", "__tests__/",
               "spec/", "testing/", "conftest.py", "fixtures/",),
    ),
    BeatRule(
        kind="docs",
        paths=("*.md", "*.rst", "*.adoc", "*.txt", "docs/", "doc/", "LICENSE*", "AUTHORS*",
               "CHANGES*", "*.ipynb",),
    ),
    BeatRule(
        kind="build",
        paths=("pyproject.toml", "setup.py", "setup.cfg", "package.json", "Makefile", "*.mk",
               "Dockerfile", "*.lock", "requirements*.txt", ".github/", ".ci/", ".gitlab-ci.yml",
               "CMakeLists.txt", "Cargo.toml", "go.mod", "go.sum", "tox.ini", "noxfile.py",
               "MANIFEST.in", ".pre-commit-config.yaml", "*.cfg", ".gitignore", ".editorconfig",
               "package-lock.json", "yarn.lock", "pnpm-lock.yaml", "install.sh", ".circleci/",
               ".travis.yml", "azure-pipelines.yml", "renovate.json", ".dockerignore",),
    ),
    BeatRule(kind="perf", message=r"\b(?:faster|speed\s?up|perf(?:ormance)?|optimi[sz]\w*|latency|throughput|slow(?:er|ness)?|memory usage|quicker)\b"),
    BeatRule(kind="fix", message=r"\b(?:fix(?:e[sd])?|bugs?|crash\w*|broken|regression|errors?|fail\w*|wrong|incorrect|hotfix|typos?|leaks?|hangs?|race|deadlock|workaround|oops)\b"),
    BeatRule(kind="refactor", message=r"\b(?:refactor\w*|clean\s?up|cleanups?|renam\w+|reorgani[sz]\w*|simplif\w+|extract\w*|restructur\w*|split|tidy|dedupe?|consolidat\w+)\b"),
    BeatRule(kind="feature", message=r"\b(?:add(?:s|ed|ing)?|implement\w*|introduc\w+|support\w*|new|enabl\w+|allow\w*|creat\w+|initial|first|bootstrap\w*)\b"),
    BeatRule(kind="docs", message=r"\b(?:docs?|readme|documentation|changelog|docstrings?|comments?)\b"),
    BeatRule(kind="test", message=r"\b(?:tests?|testing|coverage|pytest|unittest)\b"),
    BeatRule(kind="build", message=r"\b(?:ci|build|deps|dependenc(?:y|ies)|bump\w*|upgrad\w+|packag\w+|release)\b"),
)

# Commit messages are repository content: each pattern here takes time linear in its
# input on Python's backtracking engine (possessive runs, starts only where a match can
# start), and reads at most MESSAGE_LIMIT characters of a message (a subject, SUBJECT_LIMIT).
MESSAGE_LIMIT = 20_000
SUBJECT_LIMIT = 1_000

# The leading punctuation is taken possessively: a subject of dots alone is low-signal
# (the empty middle), and a thousand dots before a word are never re-split.
_LOW_SIGNAL = re.compile(
    r"^\W*+(?:wip|idk|fix(?:es|ed)?|update[sd]?|changes?|stuff|misc|tmp|temp|tests?|asdf\w*+|minor|"
    r"cleanup|more|again|oops|whoops\w*+|done|save|commit|sync|tweaks?|progress|work|small fix(?:es)?|"
    r"(?:oops|whoops\w*+|fix|typo|again|same)\s*+(?:x\d++|\d++|again)|"
    r"[a-z]|x++|ok|yolo|foo|bar|blah|hmm++|ugh|try|trying|whatever|stuff and things|"
    r"more stuff|some changes|initial|first|init|initial commit|first commit|"
    # What a forge's web editor writes when the author writes nothing.
    r"add files via upload|(?:update|create|delete|rename|edit(?:ed)?)\s++[\w./-]++|"
    r"update and rename [\w./-]++ to [\w./-]++|rename [\w./-]++ to [\w./-]++)?\W*+$",
    re.IGNORECASE,
)
_PREFIX = re.compile(r"^\w++(?:\([^)]*+\))?!?:\s*+")
# (?<!\s): blanks are tried from the first of a run only, not again from each one.
_PR_SUFFIX = re.compile(r"(?<!\s)\s*+(?:\((?:#\d++|[\w-]++/[\w-]++#\d++)\)\s*+$|\[(?:skip ci|ci skip|no ci)\])",
                        re.IGNORECASE)
# "Fix integer overflow in row allocation. #60", "... (#5, #12)", "... (fixes #10)": where the
# change was tracked, not what it did. A bounded list of references keeps the search linear.
ISSUE_SUFFIX = re.compile(r"[.,;:]?[ \t]++\(?(?:(?:fix(?:es|ed)?|close[sd]?|resolve[sd]?|refs?|see)[ \t]++)?"
                          r"(?:[\w-]++/[\w-]++)?#\d++(?:[ \t]*+,[ \t]*+#\d++){0,8}+\)?[ \t]*+$", re.IGNORECASE)


_KIND_WEIGHT = {
    "feature": 50, "fix": 50, "perf": 55, "revert": 45, "refactor": 35, "release": 40,
    "merge": 15, "test": 25, "docs": 20, "build": 20, "chore": 10,
}


@dataclass(frozen=True)
class _Compiled:
    rule: BeatRule
    message: Searcher | None
    paths: PathFilter | None

    def matches(self, facts: CommitFacts) -> bool:
        if self.message is not None and not self.message.search(facts.message):
            return False
        if self.paths is not None:
            if not facts.files or not all(self.paths.ignored(f.path) for f in facts.files):
                return False
        return self.message is not None or self.paths is not None


@lru_cache(maxsize=32)
def _compile_rules(rules: tuple[BeatRule, ...]) -> tuple[_Compiled, ...]:
    """Rules are compiled once per table, not once per commit (backfill classifies thousands)."""
    return tuple(
        _Compiled(rule, _message_pattern(rule), PathFilter(rule.paths) if rule.paths is not None else None)
        for rule in rules
    )


_BUILT_IN = frozenset(DEFAULT_RULES)


def _message_pattern(rule: BeatRule) -> Searcher | None:
    """The built-in table's patterns (written for linear time, see bench/regex.py) on
    Python's engine; anyone else's on RE2, where no pattern can take more than linear time."""
    if rule.message is None:
        return None
    if rule in _BUILT_IN:
        return re.compile(rule.message, re.IGNORECASE | re.MULTILINE)
    return user_regex(rule.message, "[[beats.rules]] message")


def classify(facts: CommitFacts, rules: Sequence[BeatRule] = DEFAULT_RULES) -> tuple[str, BeatRule | None]:
    if facts.is_merge and not re.match(r"revert", facts.subject, re.IGNORECASE):
        return "merge", None
    if re.match(r"revert \"(?:merge|revert)\b", facts.subject, re.IGNORECASE):
        return "merge", None  # undoing a merge, or a revert: plumbing of the history, not a setback
    for compiled in _compile_rules(tuple(rules)):
        if compiled.matches(facts):
            return compiled.rule.kind, compiled.rule
    return _kind_from_diff(facts), None


def _kind_from_diff(facts: CommitFacts) -> str:
    if not facts.files:
        return "chore"
    added = sum(f.status == "A" for f in facts.files)
    if facts.definitions or added * 2 >= len(facts.files):
        return "feature"
    if facts.deletions > facts.insertions * 2 or facts.removed_definitions:
        return "refactor"
    return "feature" if facts.insertions > facts.deletions else "refactor"


def is_low_signal(subject: str) -> bool:
    text = subject.strip()
    # One short word says nothing a headline could use ("idkk", "stuff", "fdffff").
    return len(text) < 4 or bool(_LOW_SIGNAL.match(text)) or (" " not in text and len(text) <= 8)


def make_beat(facts: CommitFacts, rules: Sequence[BeatRule] = DEFAULT_RULES, branch: str = "") -> Beat:
    if len(facts.message) > MESSAGE_LIMIT:  # what a beat keeps of a message is far less
        facts = msgspec.structs.replace(facts, message=facts.message[:MESSAGE_LIMIT])
    kind, rule = classify(facts, rules)
    low_signal = is_low_signal(_PREFIX.sub("", facts.subject[:SUBJECT_LIMIT]))
    importance = _importance(facts, kind, low_signal)
    if rule is not None and rule.importance is not None:
        importance = rule.importance
    story = story_files(facts.files)
    return Beat(
        sha=facts.sha,
        time=facts.author_time,
        kind=kind,
        v=SCHEMA_VERSION,
        informative=not low_signal,
        action=action_of(facts),
        branch=branch,
        author=facts.author,
        author_email=facts.author_email,
        offset=facts.author_offset,
        parents=facts.parents,
        areas=areas(story),
        files=[f.path for f in sorted(story, key=lambda f: -(f.insertions + f.deletions))[:8]],
        identifiers=_identifiers(facts),
        numbers=_dedupe(facts.numbers + facts.constants)[:12],
        excerpt=facts.excerpt,
        message=TRAILERS.sub("", facts.message).strip()[:2000],
        stats=Stats(files=(facts.files_total or len(facts.files)) - len(facts.files) + len(story),
                    insertions=facts.insertions, deletions=facts.deletions),
        importance=importance,
        notes=facts.notes,
        added=new_definitions(facts),
        removed=[d for d in facts.removed_definitions if d not in facts.definitions],
        touched=_dedupe(facts.functions + reworked_definitions(facts)),
        dependencies=facts.dependencies,
        noise=dict(Counter(f.noise for f in facts.files if f.noise)),
    )


def story_files(files: Sequence[FileChange]) -> list[FileChange]:
    """The files a story can be told from: every file but noise (lockfiles, assets, ...)."""
    return [f for f in files if not f.noise]


# "whoops images instead of links": the exclamation is the author's mood, not the change.
_INTERJECTION = re.compile(r"^(?:whoops(?:ie)?|oops|ugh+|argh+|meh|lol|hmm+|yay|phew|ok(?:ay)?)\b[\s,:;!.-]*+(?=\S)",
                           re.IGNORECASE)
# A subject of two sentences ("Add the colab runner. Untested and unfinished"): the first
# names the change; the rest is a remark the message keeps.
_SECOND_SENTENCE = re.compile(r"(?<=[a-z0-9)`])\.\s++(?=[A-Z])")


def clean_subject(subject: str) -> str:
    text = ISSUE_SUFFIX.sub("", _PR_SUFFIX.sub("", _PREFIX.sub("", subject.strip()))).strip()
    text = _SECOND_SENTENCE.split(_INTERJECTION.sub("", text), maxsplit=1)[0].strip().rstrip(".")
    if not text:
        return subject.strip()
    first = text.split(" ", 1)[0]
    if re.search(r"[_`./()]|[a-z][A-Z]", first):
        return text  # an identifier keeps its spelling: parse_header, fooBar, README.md
    return text[:1].upper() + text[1:]


def action_of(facts: CommitFacts) -> Action:
    """What the diff alone shows the change did, as data (never from a noise file: a
    definition "added" in package-lock.json tells nobody anything)."""
    files = story_files(facts.files)
    if not files and facts.files:
        kinds = Counter(f.noise for f in facts.files)
        name, count = kinds.most_common(1)[0]
        return Action("noise", [name], files=count)
    where = _main_file(files)
    added = new_definitions(facts)
    if added:
        return Action("added", added[:4], _home_of(added[0], facts, files), len(files))
    if facts.constants:
        return Action("set", facts.constants[:3], where, len(files))
    if facts.functions:
        return Action("reworked", facts.functions[:3], where, len(files))
    if not files:
        return Action("empty")
    statuses = Counter(f.status for f in files)
    if statuses["A"] == len(files):
        return Action("created", where=where, files=len(files))
    if statuses["D"] == len(files):
        return Action("deleted", where=where, files=len(files))
    if statuses["R"] == len(files):
        return Action("renamed", where=files[0].path, files=len(files), old_path=files[0].old_path or "")
    return Action("changed", where=where, files=len(files))


def areas(files: Sequence[FileChange], limit: int = 4) -> list[str]:
    weight: Counter[str] = Counter()
    for f in files:
        weight[_area(f.path)] += 1 + f.insertions + f.deletions
    return [name for name, _ in weight.most_common(limit)]


def _area(path: str) -> str:
    parts = path.split("/")
    if len(parts) == 1:
        return parts[0]
    if parts[0] in ("src", "lib", "pkg", "internal", "app", "packages", "daemon", "crates") and len(parts) > 2:
        return f"{parts[0]}/{parts[1]}"
    return parts[0] + "/"


def new_definitions(facts: CommitFacts) -> list[str]:
    """Definitions the commit added, not those it only rewrote or moved (a changed
    signature, a function moved to another file: both a - and a + line define it)."""
    gone = set(facts.removed_definitions)
    return [d for d in facts.definitions if d not in gone]


def reworked_definitions(facts: CommitFacts) -> list[str]:
    gone = set(facts.removed_definitions)
    return [d for d in facts.definitions if d in gone]


def _home_of(name: str, facts: CommitFacts, files: Sequence[FileChange]) -> str:
    """The file a definition is in: the excerpt that shows it, else the biggest code file
    (never a manifest beside it: `it_works` is not in Cargo.toml)."""
    for hunk in facts.excerpt:
        if any(name in line for line in hunk.lines if line.startswith("+")):
            return hunk.path
    code = [f for f in files if file_kind(f.path) == "code"]
    return _main_file(code) if code else ""


def _main_file(files: Sequence[FileChange]) -> str:
    if not files:
        return ""
    return max(files, key=lambda f: (f.insertions + f.deletions, f.status == "A")).path


def _identifiers(facts: CommitFacts) -> list[str]:
    names = facts.identifiers + facts.definitions + facts.functions
    names += [c.split(" = ", 1)[0] for c in facts.constants]
    return _dedupe(names)[:16]


def _importance(facts: CommitFacts, kind: str, low_signal: bool) -> int:
    score = _KIND_WEIGHT.get(kind, 20)
    churn = facts.insertions + facts.deletions
    score += min(20, int(4 * math.log10(1 + churn)))
    score += min(10, 2 * len(facts.definitions))
    score += 8 if len(facts.body) > 40 else 0
    score += 5 if facts.numbers else 0
    score -= 8 if low_signal else 0
    return max(1, min(100, score))


def _dedupe(items: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(i for i in items if i))
