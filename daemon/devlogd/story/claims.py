"""The checkable claims of a post: what a sentence says that its sources can confirm or
deny — names of code and files, numbers, dates and orders, "taken back" relations, quoted
words — each with its exact place in the markdown (0-based line and column, as editors
count them).

Pure text work: no beats here. `grounding` matches the claims against the sources.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
                "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
                "thirty": 30, "forty": 40, "fifty": 50, "a dozen": 12, "a couple of": 2, "a hundred": 100}
# The units a count or a span of time is told in, by what they count.
UNITS = {"change": "changes", "commit": "changes", "file": "files", "line": "lines", "test": "tests",
         "function": "functions", "minute": "minute", "hour": "hour", "day": "day", "week": "week",
         "month": "month", "year": "year", "second": "second"}
DURATIONS = {"second": 1 / 86400, "minute": 1 / 1440, "hour": 1 / 24, "day": 1.0, "week": 7.0, "month": 30.0,
             "year": 365.0}
MONTHS = {name: i + 1 for i, name in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"))}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class Place:
    """Where a piece of text sits: 0-based line, column, end line, end column."""

    line: int
    col: int
    end_line: int
    end_col: int


@dataclass(frozen=True)
class Sentence:
    text: str
    place: Place
    section: int  # 0 before the first chapter heading, then 1, 2, ...
    paragraph: int
    heading: bool = False


@dataclass(frozen=True)
class Claim:
    """One checkable thing a sentence says. ``value`` is its normal form (the name, the
    number, the ISO date, the quoted words); ``unit`` says what a number counts, or which
    order a date word claims."""

    kind: str  # name, code, path, quote, count, duration, number, version, date, weekday, order
    text: str
    value: str
    place: Place
    sentence: Sentence
    unit: str = ""
    attributed: bool = False  # a quotation given as someone's words
    start: int = 0  # where it starts in its sentence's text


# -- the post's prose, as sentences with places ---------------------------------------------------

_FENCE = re.compile(r"^\s*(```|~~~)")
_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?])[”\"’)]?(?=\s+[A-Z`“\"(*_])")


def sentences(text: str) -> list[Sentence]:
    """The prose of a markdown post, sentence by sentence: front matter, code blocks,
    HTML comments and rules left out; a heading is a sentence of its own."""
    lines = _blank_comments(text).split("\n")
    out: list[Sentence] = []
    section = paragraph = 0
    block: list[int] = []

    def flush() -> None:
        nonlocal paragraph
        if block:
            out.extend(_split(lines, block, section, paragraph))
            paragraph += 1
            block.clear()

    fenced = False
    for number in range(_body_start(lines), len(lines)):
        line = lines[number]
        if _FENCE.match(line):
            flush()
            fenced = not fenced
            continue
        stripped = line.strip()
        if fenced or not stripped or re.fullmatch(r"[-*_=]{3,}", stripped) or stripped.startswith(("|", "<")):
            flush()
            continue
        if stripped.startswith("#"):
            flush()
            section += 1 if re.match(r"#{2,6}\s", stripped) else 0
            out.extend(_split(lines, [number], section, paragraph, heading=True))
            paragraph += 1
            continue
        if _ITEM.match(line):
            flush()
        block.append(number)
    flush()
    return out


def _blank_comments(text: str) -> str:
    """HTML comments (devlog's questions to the author) become blanks of the same shape."""
    return re.sub(r"<!--.*?-->", lambda m: re.sub(r"[^\n]", " ", m.group(0)), text, flags=re.S)


def _body_start(lines: list[str]) -> int:
    if lines and lines[0].strip() == "---":
        for number in range(1, len(lines)):
            if lines[number].strip() == "---":
                return number + 1
    return 0


def _split(lines: list[str], numbers: list[int], section: int, paragraph: int,
           heading: bool = False) -> Iterator[Sentence]:
    joined = "\n".join(lines[n] for n in numbers)
    begin = 0
    cuts = [m.end() for m in _SENTENCE_END.finditer(joined) if not _inside_quote(joined[:m.end()])]
    for cut in cuts + [len(joined)]:
        piece = joined[begin:cut]
        body = piece.strip()
        if body:
            start = begin + len(piece) - len(piece.lstrip())
            first, col = _line_col(joined, start)
            last, end_col = _line_col(joined, start + len(body))
            yield Sentence(body, Place(numbers[first], col, numbers[last], end_col), section, paragraph, heading)
        begin = cut


def _inside_quote(before: str) -> bool:
    """A quotation of several sentences is one claim: no sentence ends inside it."""
    return before.count("“") > before.count("”") or before.count('"') % 2 == 1


def _line_col(text: str, offset: int) -> tuple[int, int]:
    """The (line index, column) of ``offset`` in a text of several lines."""
    line = text.count("\n", 0, offset)
    return line, offset - (text.rfind("\n", 0, offset) + 1)


# -- the claims of one sentence ---------------------------------------------------------------------

_CODE = re.compile(r"`([^`\n]+)`")
_IDENT = re.compile(r"^[A-Za-z_$][\w$]*(?:(?:\.|::|->)[A-Za-z_$][\w$]*)*(?:\(\))?$")
_EXTS = ("c|h|cc|cpp|hpp|py|pyi|rs|go|rb|java|kt|swift|md|rst|txt|toml|json|jsonc|yaml|yml|ini|cfg|lock|sh|"
         "html|css|scss|mjs|cjs|tsx|jsx|vue|lua|sql|zig|nim|ex|exs|hs|ml|php|pl|cs|fs|gd|tscn|glsl|wgsl")
_PATH = re.compile(rf"(?<![\w/.@-])(?:[\w.-]+/)+[\w-]+\.\w+(?![\w/])|(?<![\w/.@-])[a-z_][\w-]*\.(?:{_EXTS})\b"
                   r"(?![\w(])|\b(?:README|CHANGELOG|LICENSE|Makefile|Dockerfile|CMakeLists)(?:\.\w+)?\b")
_SNAKE = re.compile(r"(?<![\w.`-])(?:[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]*[A-Za-z0-9]|[a-z]+[a-z0-9]*[A-Z]\w*)"
                    r"(?:\(\))?(?![\w`])")
_CALL = re.compile(r"(?<![\w.`])[A-Za-z_]\w*\(\)")
_QUOTE = re.compile(r"“([^”]{3,}?)”|(?<![\w])\"([^\"\n]{3,}?)\"(?!\w)")
_SAYING = re.compile(r"\b(?:put it|wrote|writes|said|says|noted?|notes|words?|asked|answered|told|called it|"
                     r"in my|message|reads?|as I)\b|:\s*$", re.I)
_NUMBER = r"(?:\d[\d,]*(?:\.\d+)?|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + ")"
_COUNT = re.compile(rf"(?<![\w.-])({_NUMBER})(?:\s+|-)(?:(?:more|new|small|separate|other|different|"
                    rf"straight|whole|full|long|short|busy|quiet|tiny|big)\s+)?"
                    rf"({'|'.join(UNITS)})s?\b", re.I)
_VERSION = re.compile(r"(?<![\w.])(?:v\d+(?:\.\d+)*|\d+\.\d+\.\d+(?:[-.]\w+)?)(?!\w|\.\d)|"
                      r"(?<=version )\d+(?:\.\d+)+\b|(?<=release )\d+(?:\.\d+)+\b", re.I)
_MEASURE = re.compile(r"(?<![\w.])(\d[\d,]*(?:\.\d+)?)\s?(ms|µs|us|ns|s|KB|MB|GB|kB|KiB|MiB|GiB|%|x|×|fps|px|"
                      r"bits?|bytes?|k|tokens|rows|FPS|Hz|kHz|MHz|GHz|dB)(?![\w])")
_ISO = re.compile(r"(?<![\w-])(\d{4})-(\d{2})-(\d{2})(?![\w-])")
_MONTH_DAY = re.compile(r"\b(" + "|".join(m.capitalize() for m in MONTHS) + r")\s+(\d{1,2})(?:st|nd|rd|th)?"
                        r"(?:,?\s+(\d{4}))?\b|\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?("
                        + "|".join(m.capitalize() for m in MONTHS) + r")(?:,?\s+(\d{4}))?\b")
_WEEKDAY = re.compile(r"\b(" + "|".join(d.capitalize() for d in WEEKDAYS) + r")s?\b(?:\s+(morning|afternoon|"
                      r"evening|night))?")
_ORDER = re.compile(r"\b(?:(the same day|that same day|that day|the next day|the day after|the following day|"
                    r"a day later|the next morning|the next evening)|(after|before|until)\b(?!\s+(?:all|that|this|"
                    r"a while|some|which|it)\b))", re.I)


def claims(sentence: Sentence) -> list[Claim]:
    """The claims ``sentence`` makes, each placed exactly in the markdown."""
    found: list[Claim] = []
    taken: list[tuple[int, int]] = []
    text = sentence.text

    def add(kind: str, start: int, end: int, value: str, unit: str = "", attributed: bool = False) -> None:
        if any(a < end and start < b for a, b in taken):
            return
        taken.append((start, end))
        found.append(Claim(kind, text[start:end], value, _place(sentence, start, end), sentence, unit,
                           attributed, start))

    # A quotation is checked whole: the names inside it are the source's, not the post's.
    for m in _QUOTE.finditer(text):
        words = m.group(1) or m.group(2)
        if len(words.split()) >= 3:
            said = bool(_SAYING.search(text[:m.start()])) or bool(re.search(r"[.!?]$", words.strip()))
            add("quote", m.start(), m.end(), words, attributed=said)
    for m in _CODE.finditer(text):
        inner = m.group(1).strip()
        kind = "path" if _PATH.fullmatch(inner) else "name" if _IDENT.fullmatch(inner) else "code"
        add(kind, m.start(), m.end(), inner.removesuffix("()"))
    for m in _ISO.finditer(text):
        add("date", m.start(), m.end(), m.group(0))
    for m in _MONTH_DAY.finditer(text):
        month = MONTHS[(m.group(1) or m.group(5)).lower()]
        add("date", m.start(), m.end(), f"{m.group(3) or m.group(6) or '*'}-{month:02d}-{int(m.group(2) or m.group(4)):02d}")
    for m in _WEEKDAY.finditer(text):
        add("weekday", m.start(), m.end(), m.group(1).lower(), (m.group(2) or "").lower())
    for m in _VERSION.finditer(text):
        add("version", m.start(), m.end(), m.group(0).lstrip("vV"))
    for m in _COUNT.finditer(text):
        unit = UNITS[m.group(2).lower()]
        add("duration" if unit in DURATIONS else "count", m.start(), m.end(), str(number_of(m.group(1))), unit)
    for m in _MEASURE.finditer(text):
        add("number", m.start(), m.end(), m.group(1).replace(",", ""), m.group(2))
    for m in _PATH.finditer(text):
        add("path", m.start(), m.end(), m.group(0))
    for pattern in (_SNAKE, _CALL):
        for m in pattern.finditer(text):
            add("name", m.start(), m.end(), m.group(0).removesuffix("()"))
    for m in _ORDER.finditer(text):
        add("order", m.start(), m.end(), m.group(0).lower(), "day" if m.group(1) else m.group(2).lower())
    return sorted(found, key=lambda c: (c.place.line, c.place.col))


def number_of(word: str) -> float:
    word = word.lower().replace(",", "")
    return float(NUMBER_WORDS[word]) if word in NUMBER_WORDS else float(word)


def _place(sentence: Sentence, start: int, end: int) -> Place:
    """Where text[start:end] of the sentence sits in the markdown."""
    (l1, c1), (l2, c2) = _line_col(sentence.text, start), _line_col(sentence.text, end)
    base = sentence.place
    # A sentence's later lines are kept whole, indentation included: their columns are the line's.
    return Place(base.line + l1, c1 + (base.col if l1 == 0 else 0),
                 base.line + l2, c2 + (base.col if l2 == 0 else 0))


def post_claims(text: str) -> list[Claim]:
    """Every claim of a post, in reading order."""
    return [claim for sentence in sentences(text) for claim in claims(sentence)]
