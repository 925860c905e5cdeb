"""The offline narrator over random journals: whatever the beats hold, the post has no
empty slot, repeats no opener past the checker's threshold, names only what the journal
holds, and is the same post every time."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devlogd.models import Beat, Hunk, Stats
from devlogd.story.checker import CheckContext, check_post
from devlogd.story.identity import Identity
from devlogd.story.material import build_material
from devlogd.story.narrators.offline import write_post

WORDS = ["parser", "cache", "socket", "config", "umbrella", "player", "queue", "banner", "client", "render"]
HEADLINES = st.one_of(
    st.builds(lambda v, w: f"{v} the {w}", st.sampled_from(["Add", "Fix", "Rework", "Remove", "Cache", "Use"]),
              st.sampled_from(WORDS)),
    st.builds(lambda w: f"{w} crashed on empty input", st.sampled_from(WORDS)),
    st.builds(lambda w, x: f"{w.capitalize()} and {x} tweaks", st.sampled_from(WORDS), st.sampled_from(WORDS)),
    st.sampled_from(["Initial working code", "Don't forget to double the capacity", "Vastly improve logging",
                     "Always ignore SIGPIPE", "Changed README.md", "Added `evaluate` in src/judge.py",
                     "No need for events when using fd = -1", "MY DIFF process.py", "Three notes on OpenBSD",
                     "fix: <script>alert(1)</script>", "Update and rename a.md to b.md", "same as before"]),
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=0x2FF), min_size=0, max_size=40),
)
NAMES = st.lists(st.from_regex(r"[a-z][a-z_]{2,12}[a-z]", fullmatch=True), max_size=3, unique=True)


@st.composite
def journals(draw: st.DrawFn) -> list[Beat]:
    count = draw(st.integers(1, 24))
    time = 1_700_000_000
    beats = []
    for index in range(count):
        time += draw(st.sampled_from([60, 600, 3600, 86400, 20 * 86400]))
        added = draw(NAMES)
        path = draw(st.sampled_from(["src/core.py", "game.lua", "drip.c", "README.md", "docs/guide.md"]))
        lines = [f"+def {n}(x):" for n in added] + [f"+    return {w}(x)" for w in draw(NAMES)]
        beats.append(Beat(
            sha=f"{index:040x}", time=time, kind=draw(st.sampled_from(["feature", "fix", "refactor", "docs", "test", "perf"])),
            author=draw(st.sampled_from(["Ada", "Bob"])),
            files=[path], areas=[path.split("/")[0]], added=added, touched=draw(NAMES), identifiers=added,
            excerpt=[Hunk(path=path, lines=lines)] if len(lines) >= 2 else [],
            message=draw(HEADLINES) + draw(st.sampled_from(["", "\n\nso that the queue never blocks the loop",
                "\n\nUgh.", "\n\nThe handler crashed with a KeyError on empty input."])), stats=Stats(files=1, insertions=len(lines)), importance=draw(st.integers(10, 90)),
        ))
    return beats


def _known(beats: list[Beat], project: str) -> str:
    text = " ".join([project] + [" ".join([b.message, *b.added, *b.touched, *b.identifiers, *b.files,
                                           *(l for h in b.excerpt for l in h.lines)]) for b in beats])
    return "".join(c for c in text if c.isprintable())  # the post drops what cannot be printed


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(beats=journals(), voice=st.booleans())
def test_any_journal_gives_a_post_a_reader_can_finish(beats: list[Beat], voice: bool) -> None:
    from devlogd.story.material import Ask

    material = build_material(beats, Identity("propertyproj", "folder"), Ask(all_authors=voice))
    post = write_post(material)
    said = CheckContext(subjects=frozenset(b.subject for b in beats))  # the author's subjects are quoted
    found = [str(v) for v in check_post(post, said) if v.rule in ("empty slot", "repeated opener")]
    assert not found, found
    assert "<script>" not in post
    known = _known(beats, "propertyproj")
    for name in re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", post, flags=re.S)):
        assert name in known or name.strip("()") in known, name
    assert write_post(build_material(beats, Identity("propertyproj", "folder"), Ask(all_authors=voice))) == post
