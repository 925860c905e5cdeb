"""Which lines of a change a story shows: chosen by what they say, not where they stand.

Every changed line gets a score — a new definition, a condition, a call, a constant, a
sentence of explanation count for much; imports, braces and reflowed data count for
nothing — and each hunk offers its best window of consecutive lines. Prose files and
comment blocks are material too: that is where authors explain what and why. The chosen
hunks are redacted before any line is cut to length, so no secret straddles a cut.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from devlogd.models import Hunk
from devlogd.pipeline.redact import LINE_BOUND, redact_files


LINE_CAP = 161  # characters of one excerpt line, after redaction
_KEEP_RAW = LINE_BOUND  # characters kept before redaction: room for a secret to be seen whole

_PROSE_FILE = re.compile(r"(?:\.(?:md|mdx|markdown|rst|txt|adoc|org|tex)$|(?:^|/)(?:docs?|documentation)/)", re.I)
_CONFIG_FILE = re.compile(
    r"(?:\.(?:json|ya?ml|toml|ini|cfg|conf|xml|plist|properties|env\.example|csproj|gradle|mk|cmake)$"
    r"|(?:^|/)(?:Makefile|GNUmakefile|Dockerfile|CMakeLists\.txt|Procfile|Vagrantfile|\.[\w.-]+rc)$)", re.I)
_TEST_FILE = re.compile(r"(?:^|/)(?:tests?|spec|__tests__)/|(?:^|/)test_[^/]*$|_test\.\w+$|\.(?:test|spec)\.\w+$")

KIND_WEIGHT = {"code": 1.0, "prose": 0.9, "test": 0.6, "config": 0.35}
MIN_SCORE = 1.5  # below this a hunk tells nothing worth showing (build flags, a reflow)


def file_kind(path: str) -> str:
    if _PROSE_FILE.search(path):
        return "prose"
    if _TEST_FILE.search(path):
        return "test"
    if _CONFIG_FILE.search(path):
        return "config"
    return "code"


# -- scoring one line (its text after the +/- sign) ----------------------------------------

_IMPORT = re.compile(r"[ \t]*(?:import[ \t]|from[ \t]+[\w.]+[ \t]+import\b|#[ \t]*include\b|use[ \t]+[\w:]+|"
                     r"(?:const|let|var)[ \t]+\w+[ \t]*=[ \t]*require\(|using[ \t]+[\w.]+;|package[ \t]+[\w.]+|"
                     r"extern[ \t]+crate\b|require[ \t]+['\"]|@import\b)")
_DEFINITION = re.compile(r"[ \t]*(?:export[ \t]+)?(?:pub(?:\([\w ]{0,20}\))?[ \t]+)?(?:async[ \t]+)?(?:static[ \t]+)?"
                         r"(?:def|function\*?|fn|func|class|struct|enum|trait|interface|impl|type|module|"
                         r"protocol|record|local[ \t]+function)[ \t]+[\w$]")
_CONTROL = re.compile(r"[ \t]*(?:\}[ \t]*)?(?:if|elif|else[ \t]+if|while|for|foreach|switch|case|match|return|"
                      r"raise|throw|except|catch|try|finally|assert|await|yield|defer|guard|unless|rescue|"
                      r"select|with)\b")
_CALL = re.compile(r"[A-Za-z_][\w.]*[ \t]*\(")
# `v->cap *= 2;`, `count += 1`: a compound assignment changes state, which is behaviour.
_UPDATE = re.compile(r"[ \t]*+[A-Za-z_][\w.>\[\]-]{0,60}+[ \t]*+(?:[-+*/%|&^]|<<|>>)=(?!=)")
_CONSTANT = re.compile(r"[ \t]*(?:(?:export|pub|static|final|const|readonly|let|var)[ \t]+){0,3}"
                       r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+[ \t]*(?::[^=\n]{1,40})?[ \t]*:?=[ \t]*\S|[ \t]*#[ \t]*define[ \t]+[A-Z]")
_COMMENT = re.compile(r"[ \t]*(?:#(?![ \t]*(?:include|define|if|endif|pragma)\b)|//|/\*|\*(?!/)|--(?!-)|;;|\"\"\"|''')[ \t]*(?P<text>.*)")
_TRIVIAL = re.compile(r"[ \t]*(?:[{}()\[\];,]+|pass|end|else:?|\}?[ \t]*else[ \t]*\{?|break;?|continue;?|"
                      r"\*/|<\/?\w+>|fi|done|esac|\.\.\.)?[ \t]*$")
_WORD = re.compile(r"[A-Za-z][a-z']+")
_DATA = re.compile(r"[ \t\d.,:;\"'\[\]{}()x#+-]*$")  # numbers, quotes and commas only

_HEADING = re.compile(r"[ \t]*(?:#{1,6}[ \t]+\S|={3,}|-{3,}[ \t]*$)")
_BADGE = re.compile(r"[ \t]*(?:\[!\[|!\[|<img\b|<a\b[^>]*><img|https?://\S+[ \t]*$|<!--|\[[^\]]*\]:[ \t]*http)")
_FENCE = re.compile(r"[ \t]*(?:```|~~~)")


def line_score(text: str, kind: str) -> float:
    """How much one changed line tells a reader (its text without the +/- sign)."""
    if len(text) > 300:
        return -1.0  # minified code or data: nobody reads it in a post
    if kind == "prose":
        return _prose_score(text)
    if _TRIVIAL.match(text):
        return 0.0
    if _IMPORT.match(text):
        return -2.0
    comment = _COMMENT.match(text)
    if comment is not None:
        words = len(_WORD.findall(comment.group("text")))
        return 1.5 if words >= 6 else (0.8 if words >= 3 else 0.0)
    if _DEFINITION.match(text):
        return 4.0
    if _CONSTANT.match(text):
        return 3.0
    if _DATA.match(text):
        return -0.5
    score = 0.5
    if _CONTROL.match(text):
        score += 2.0
    if _CALL.search(text):
        score += 1.5
    elif _UPDATE.match(text):
        score += 1.5
    return score


def _prose_score(text: str) -> float:
    if not text.strip() or _FENCE.match(text):
        return 0.0
    if _BADGE.match(text):
        return -1.0
    if _HEADING.match(text):
        return 1.5
    words = len(_WORD.findall(text))
    if text.lstrip().startswith("|"):
        return 0.3
    if words >= 6:
        return 2.0
    return 0.8 if words >= 2 else 0.0


# -- choosing a hunk's lines ----------------------------------------------------------------

_CHANGED_LINE = re.compile(r"\n([+-][^\n]*)")


@dataclass(frozen=True)
class Window:
    lines: list[str]  # with their +/- origin, whole (cut to length after redaction)
    score: float


def moved_lines(patch: str) -> frozenset[str]:
    """The lines (white space aside) a file's patch both removes and adds: code moved
    within the file, which is not news wherever it lands."""
    added: set[str] = set()
    removed: set[str] = set()
    for match in _CHANGED_LINE.finditer(patch):
        line = match.group(1)
        key = "".join(line[1:_KEEP_RAW].split())
        if len(key) >= 8:  # "}" or "break;" moves without meaning anything
            (added if line[0] == "+" else removed).add(key)
    return frozenset(added & removed)


def telling_window(body: str, limit: int, kind: str, topic: frozenset[str] = frozenset(),
                   moved_in_file: frozenset[str] = frozenset()) -> Window:
    """The best run of up to ``limit`` consecutive changed lines of one hunk (``body``
    starts at the newline that ends its header), by the sum of their scores: removed
    lines count half, a line that names what the change is about (``topic``: words of its
    message) counts more, and a line only re-indented counts nothing. Blank lines never
    start or end the run; nor does a line moved from elsewhere in the file (``moved_in_file``)."""
    lines = [m.group(1)[:_KEEP_RAW] for m in _CHANGED_LINE.finditer(body)]
    if not lines:
        return Window([], 0.0)
    moved = _reindented(lines)
    if moved_in_file:
        moved |= {i for i, line in enumerate(lines) if "".join(line[1:].split()) in moved_in_file}
    prefix = [0.0]
    for index, line in enumerate(lines):
        score = 0.0 if index in moved else line_score(line[1:], kind)
        if topic and score > 0 and topic & _words_of(line):
            score += 1.5
        prefix.append(prefix[-1] + (0.5 if line[0] == "-" else 1.0) * score)
    best_start, best_sum = 0, float("-inf")
    for start in range(0, max(1, len(lines) - limit + 1)):
        total = prefix[min(len(lines), start + limit)] - prefix[start]
        if total > best_sum:
            best_start, best_sum = start, total
    chosen = lines[best_start : best_start + limit]
    while chosen and not chosen[-1][1:].strip():
        chosen.pop()
    while chosen and not chosen[0][1:].strip():
        chosen.pop(0)
    return Window(chosen, max(best_sum, 0.0) * KIND_WEIGHT.get(kind, 1.0))


_IDENT_PART = re.compile(r"[A-Za-z][a-z]+|[A-Z]{2,}(?![a-z])")


def _words_of(line: str) -> set[str]:
    return {w.lower() for w in _IDENT_PART.findall(line) if len(w) >= 4}


def topic_words(message: str) -> frozenset[str]:
    """The words of a message that code can name (``max_clients`` -> max, clients)."""
    stop = {"this", "that", "with", "from", "into", "when", "then", "than", "have", "make", "made", "more",
            "some", "used", "uses", "using", "were", "will", "just", "also", "only", "them", "they", "their",
            "there", "what", "which", "while", "before", "after", "about", "again", "other", "should", "could",
            "would", "does", "done", "dont", "each", "every", "need", "needs", "like", "sure", "things"}
    return frozenset(w for w in _words_of(message.split("\n\n", 1)[0]) if w not in stop)


def _reindented(lines: list[str]) -> set[int]:
    """Indexes of removed and added lines that differ only in white space: a reflow."""
    removed: dict[str, list[int]] = {}
    for index, line in enumerate(lines):
        if line[:1] == "-":
            removed.setdefault("".join(line[1:].split()), []).append(index)
    moved: set[int] = set()
    for index, line in enumerate(lines):
        if line[:1] == "+":
            twins = removed.get("".join(line[1:].split()))
            if twins:
                moved.add(index)
                moved.add(twins.pop())
    return moved


def score_lines(lines: list[str], kind: str) -> float:
    """A hunk's worth to a reader, as telling_window counts it (removed lines half, a
    re-indented line nothing)."""
    moved = _reindented(lines)
    return sum(0.0 if i in moved else (0.5 if l[:1] == "-" else 1.0) * line_score(l[1:], kind)
               for i, l in enumerate(lines) if l)


def is_commentary(hunk: Hunk) -> bool:
    """A hunk that is mostly comments in prose: explanation, like a document."""
    lines = [l[1:] for l in hunk.lines if l[1:].strip()]
    talk = sum(1 for l in lines if (m := _COMMENT.match(l)) is not None and len(_WORD.findall(m.group("text"))) >= 3)
    return bool(lines) and talk >= 0.5 * len(lines)  # half the lines explain the rest


def best_hunks(scored: list[tuple[float, Hunk]], limit: int) -> list[Hunk]:
    """The most telling hunks, in diff order, redacted and then cut to length."""
    ranked = sorted(enumerate(scored), key=lambda pair: (-pair[1][0], pair[0]))
    good = [(index, (score, hunk)) for index, (score, hunk) in ranked if score >= MIN_SCORE]
    chosen = [hunk for _, (_, hunk) in sorted(good[:limit], key=lambda pair: pair[0])]
    if not chosen:
        return []
    # The kept lines are redacted whole, knowing their file's syntax; only then are they cut
    # to the width an excerpt shows, so no secret straddles the cut.
    by_path: dict[str, list[str]] = {}
    for hunk in chosen:
        by_path.setdefault(hunk.path, []).extend(hunk.lines)
    redacted = {path: iter(lines) for path, lines in redact_files(by_path, LINE_CAP).items()}
    return [Hunk(path=hunk.path, header=hunk.header, lines=[next(redacted[hunk.path]) for _ in hunk.lines])
            for hunk in chosen]
