"""English for the offline narrator: what a headline is (a verb phrase, a clause, a noun
phrase, or nothing usable), its verbs inflected, lists joined, code named as code.
The only lemminflect user (it ships its own data: no download, no network).

A headline is conjugated only when it is clearly a verb phrase; anything else is never
guessed at — the narrator then tells the change from its facts instead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from devlogd.pipeline.extract import GENERIC_NAMES, is_test_name
from devlogd.story.timeline import span_of

# Words lemminflect knows as verbs that lead commit subjects as adjectives or nouns.
_NOT_VERBS = frozenset("initial more new better first final minor small proper quick simple basic various "
                       "multiple some all extra working major general main default single double same chance "
                       "cheaper faster one two three no only".split())
# Verbs that also are nouns, common enough as imperatives in subjects to take as verbs.
_IMPERATIVES = frozenset("add allow avoid be bump cache change check clean compile correct create document drop "
                         "expose fetch flesh format gather guard handle hide ignore install limit load log mark "
                         "merge move name note parse patch pin print process query queue rate record release "
                         "remove rename replace report request reset return reuse rework run save scan schedule "
                         "show sort split start stop store stream support switch test time track tune turn type "
                         "update upgrade use validate watch wrap make reject restrict refactor pass set "
                         "cut fix build draw play map count catch sketch tweak trim touch vendor read write "
                         "open close free lock unlock send receive render draft journal publish retry "
                         "program code port plot chart model implement introduce enforce embed emit "
                         "export import extend extract filter finish fold generate hook host inline "
                         "join keep let list mirror mock nest number order pack page pipe poll post "
                         "prefer prepare probe profile prompt quote raise rank refresh refine register "
                         "reload render repair require resize resolve restore retain reverse route "
                         "sample scale seed select serve shape ship sign simplify size skip slice "
                         "space spawn speed spell stage stamp step strip style swap sync tag tail "
                         "template thread tidy toggle trace trigger trust unify unwrap vary wire work".split())
_FREQUENCY = frozenset({"always", "never"})
# A subject that ends in what was done to it ("Tests added", "Camera bug fixed").
_DONE = {"added": "add", "fixed": "fix", "removed": "remove", "updated": "update", "implemented": "implement",
         "improved": "improve", "refactored": "refactor", "created": "create", "deleted": "delete",
         "started": "start", "finished": "finish", "done": "finish", "rewritten": "rewrite", "cleaned": "clean"}
_DETERMINERS = frozenset("a an the this that these those my our its their every each all any no some one".split())
_NP_REFUSED = frozenset("no not don't doesn't didn't can't cannot never always only just maybe why how what when "
                        "if same more less also still again finally actually some my our miscellaneous misc "
                        "various random stuff other another wip temp tmp try trying attempt attempting "
                        "revert merge".split())
_FINITE = frozenset("is are was were has have had seems seem works work runs run does do looks look "
                    "needs need breaks break fails fail".split())


@dataclass(frozen=True)
class Headline:
    """A headline understood: ``form`` is "verb" (``lemma`` + ``rest``, maybe an adverb or a
    negation), "clause" (a statement: "parse_header crashed on empty lines"), "noun"
    (a noun phrase) or "none" (tell it from facts instead)."""

    form: str
    text: str
    lemma: str = ""
    rest: str = ""
    adverb: str = ""
    negated: bool = False


def understand(headline: str) -> Headline:
    text = " ".join(headline.split()).rstrip(".!")
    words = text.split(" ")
    if not text:
        return Headline("none", text)
    first = words[0].lower().rstrip(",:")
    if all(w.lower() in _DETERMINERS or w.lower() in _LINKS for w in words):
        return Headline("none", text)  # "a", "the": no thing is named
    if first in ("don't", "do") and len(words) > 2 and (first == "don't" or words[1].lower() == "not"):
        start = 1 if first == "don't" else 2
        verb = _verb_lemma(words[start], strict=False)
        if verb:
            return Headline("verb", text, verb, " ".join(words[start + 1 :]), negated=True)
    adverb = ""
    if first.endswith("ly") or first in _FREQUENCY or first == "just":
        if len(words) > 1 and (lemma := _verb_lemma(words[1], strict=False)):
            return Headline("verb", text, lemma, " ".join(words[2:]), adverb=first)
    finite = next((i for i, w in enumerate(words[1:3], 1) if w.lower() in _FINITE), 0)
    lemma = _verb_lemma(words[0], next_word=words[1] if len(words) > 1 else "")
    if lemma and not finite:  # "Process dumping seems to work" states; it does not order
        return Headline("verb", text, lemma, " ".join(words[1:]), adverb)
    done = _DONE.get(words[-1].lower())
    if done and len(words) > 1 and _looks_like_noun_phrase(words[:-1]) and first not in _NP_REFUSED:
        # "Diary and dynamic system added" reports a change: "added the diary and dynamic system"
        return Headline("verb", text, done, noun_phrase(" ".join(words[:-1])))
    if len(words) > 2 and _states(words):
        return Headline("clause", text)
    if first in _NP_REFUSED or not _looks_like_noun_phrase(words) or not re.match(r"^[A-Za-z0-9`]", text):
        return Headline("none", text)
    return Headline("noun", text)


def _verb_lemma(word: str, next_word: str = "", strict: bool = True) -> str:
    """The verb's lemma when ``word`` leads a verb phrase; '' when it does not."""
    lower = word.lower().rstrip(",:")
    prefix, _, stem = lower.rpartition("-")
    if prefix in _VERB_PREFIXES and stem.isalpha():  # "Pre-allocate all arrays", "Re-enable the cache"
        lemma = _verb_lemma(stem, next_word, strict=False)
        if not lemma and next_word.lower() in _DETERMINERS:
            lemma = stem  # "Un-async the colab control system" coins a verb
        return f"{prefix}-{lemma}" if lemma else ""
    if not lower.isalpha() or lower in _NOT_VERBS:
        return ""
    lemmas = _lemmas(lower)
    if next_word.lower() == "of" and "NOUN" in lemmas:
        return ""  # "Start of parser" names a beginning
    if next_word.lower() in _PARTICLES and "VERB" in lemmas:
        return lemmas["VERB"][0].lower()  # "Break up interp.go", "Clean out the cache"
    verbs = lemmas.get("VERB")
    if not verbs:
        return ""
    lemma = verbs[0].lower()
    only_verb = set(lemmas) == {"VERB"}
    if lower.endswith("s") and lower != lemma and not only_verb:
        # "Fixes the crash" is a verb; "Hooks, install/uninstall" and "Drafts for ..." are nouns.
        return lemma if next_word.lower() in _DETERMINERS else ""
    if lower.endswith("ing") and not next_word:
        return ""  # "Strafing" names an activity
    # "Truncate `rand16()` ...": a word that can be a verb, followed by a name of code, orders.
    if only_verb or lemma in _IMPERATIVES or not strict or next_word.lower() in _DETERMINERS or next_word.startswith("`"):
        return lemma
    return ""


_VERB_PREFIXES = frozenset("pre re un de auto co over under sub cross double".split())
_PARTICLES = frozenset("up down out off apart away back".split())

_LINKS = frozenset("on in of for to with at by from into over under about the a an and or".split())


def _states(words: Sequence[str]) -> bool:
    """A statement: a subject then a finite verb ("parse_header crashed on empty lines",
    "process dumping seems to work"), not a participle used as an adjective ("crash on
    deleted tweets")."""
    for index in (1, 2):
        if index < len(words) and (_is_past_verb(words[index]) or words[index].lower() in _FINITE):
            if index == 1 or words[1].lower() not in _LINKS:
                return True
    return False


def _is_past_verb(word: str) -> bool:
    lower = word.lower()
    verbs = _lemmas(lower).get("VERB")
    if not verbs:
        return False
    return lower != verbs[0].lower() and inflect(verbs[0].lower(), "VBD") == lower


def _looks_like_noun_phrase(words: Sequence[str]) -> bool:
    if len(words) > 9:
        return False
    # "MY DIFF process.py" shouts; "Drafts for the CLI" names an acronym.
    loud = [w for w in words if len(w) > 3 and w.isupper() and w.isalpha()]
    shouting = (len(words[0]) > 2 and words[0].isupper() and words[0].isalpha()) or len(loud) >= 2
    return not shouting and not any(w.endswith("?") for w in words)


@lru_cache(maxsize=4096)
def _lemmas(word: str) -> dict[str, tuple[str, ...]]:
    import lemminflect

    found: dict[str, tuple[str, ...]] = lemminflect.getAllLemmas(word)
    return found


@lru_cache(maxsize=4096)
def inflect(lemma: str, tag: str) -> str:
    import lemminflect

    prefix, hyphen, stem = lemma.rpartition("-")
    if hyphen and prefix and stem.isalpha():  # "pre-allocate" -> "pre-allocated"
        return f"{prefix}-{inflect(stem, tag)}"
    if not lemma.isalpha():
        return lemma
    try:
        forms = lemminflect.getInflection(lemma, tag=tag)
    except (IndexError, KeyError, ValueError):  # its rules for unknown words can trip
        return lemma
    return str(forms[0]) if forms else lemma


def past(headline: Headline, tag: str = "VBD") -> str:
    """"Add -l to control banner line length" -> "added -l to control banner line length";
    a second verb joined by "and" agrees ("fix up the parser and allow comments" -> "fixed
    up the parser and allowed comments"). ``tag`` VBN gives the participle, VB the base."""
    if headline.negated:
        if headline.lemma == "forget" and headline.rest.startswith("to "):
            return f"{_form('make', tag)} sure {headline.rest}"
        return f"{_form('stop', tag)} {inflect(headline.lemma, 'VBG')} {headline.rest}".strip()
    adverb = f"{headline.adverb} " if headline.adverb and headline.adverb not in _FREQUENCY else ""
    return f"{adverb}{_form(headline.lemma, tag)} {_agree(headline.rest, tag)}".strip()


def _form(lemma: str, tag: str) -> str:
    return lemma if tag == "VB" else inflect(lemma, tag)


def _agree(rest: str, tag: str) -> str:
    def second(match: re.Match[str]) -> str:
        word = match.group(2)
        if word[0].isupper() and match.group(1) != "; ":
            return match.group(0)  # "and Field" names something; "; Fix %c" orders again
        lemma = _verb_lemma(word, next_word=match.group(3) or "")
        if not lemma or lemma != word.lower():
            return match.group(0)
        return f"{match.group(1)}{_form(lemma, tag)}{match.group(3) and ' ' + match.group(3) or ''}"

    # "fix up the parser and allow comments", "update readme, add manual", "rename X; add
    # some TODOs": each verb agrees.
    return re.sub(r"((?:\band |, |; ))([A-Za-z][a-z]*+)(?: (\w+))?", second, rest, count=2)


def gerund(headline: Headline) -> str:
    """"Add -l to control banner line length" -> "Adding -l to control banner line length"."""
    if headline.negated:
        return f"No more {inflect(headline.lemma, 'VBG')} {headline.rest}".strip()
    verb = inflect(headline.lemma, "VBG")
    adverb = f"{headline.adverb.capitalize()} " if headline.adverb else ""
    phrase = f"{adverb}{verb if adverb else verb.capitalize()} {_agree(headline.rest, 'VBG')}".strip()
    return phrase


def frequency_clause(headline: Headline, subject: str) -> str:
    """"Always ignore SIGPIPE" -> "made Endlessh always ignore SIGPIPE" (the program, not the
    author, always does it)."""
    return f"made {subject} {headline.adverb} {headline.lemma} {headline.rest}".strip()


def noun_phrase(text: str) -> str:
    """A noun phrase with its article, ready to follow a verb: "the systemd service"."""
    first, _, rest = text.partition(" ")
    if first in ("A", "An", "The") or first[:1].isupper() and not first.isupper() and not re.search(r"[A-Z]", first[1:]):
        first = first.lower()
    phrase = f"{first} {rest}".strip()
    if rest and first.lower() in _DETERMINERS or first.lower() in ("everything", "something", "both", "most"):
        return phrase  # "everything", "some tests": no article of their own
    return phrase if phrase.lower().startswith(("the ", "a ", "an ")) else f"the {phrase}"


# Each alternative starts only where a name starts (not inside a run of word characters,
# dots or slashes) and takes its run whole, so marking is linear in the text.
_CODEISH = re.compile(r"(?<![`\w./-])([A-Za-z_][\w.]*+\(\)|(?=[A-Za-z_]\w*_\w)[A-Za-z_]\w*+|[a-z]++[A-Z]\w*+|"
                      r"[\w./-]+\.(?:py|c|h|rs|go|js|ts|tsx|lua|rb|java|cs|cpp|toml|json|ya?ml|md|sh|p8))(?![`\w(])")


def words(text: str) -> str:
    """Somebody's words (a commit message, a README, a note) as markdown prose that renders
    as written: no HTML, no links, no stray code span; names of code marked as code."""
    from devlogd.story.escape import escape_prose

    return mark_code(escape_prose(text))


def mark_code(text: str) -> str:
    """Names that are code (snake_case, camelCase, file.ext, call()) in backticks, once."""
    parts = re.split(r"(`[^`]*`)", text)
    return "".join(p if p.startswith("`") else _CODEISH.sub(r"`\1`", p) for p in parts)


def join(items: Sequence[str], word: str = "and") -> str:
    items = [i for i in items if i]
    if len(items) <= 2:
        return f" {word} ".join(items)
    return ", ".join(items[:-1]) + f" {word} " + items[-1]


def code(name: str) -> str:
    return name if name.startswith("`") else f"`{name}`"


_NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")


def count(number: int, noun: str, plural: str | None = None) -> str:
    word = _NUMBERS[number] if 0 <= number < len(_NUMBERS) else f"{number:,}"
    return f"{word} {noun if number == 1 else plural or noun + 's'}"


def duration(days: float) -> str:
    """A stretch of time as a reader says it: "four days", "three weeks", "five months",
    "eight years" (never "103 months")."""
    number, unit = span_of(days)
    return count(max(1, number), unit)


def sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return ""
    if text[0].islower() and not text.startswith("`"):
        text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?…:" else text + "."


def lower_first(text: str) -> str:
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text




def tellable_names(names: list[str]) -> list[str]:
    """The names a sentence may carry: not the ones every program has, not a test's, not
    a private helper's (`_print_maps_info`) when a public one is there."""
    kept = [n for n in names if n not in GENERIC_NAMES and not is_test_name(n)]
    public = [n for n in kept if not n.startswith("_")]
    return public or kept
