from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from devlogd.pipeline.journal import Journal
from devlogd.models import Beat, Stats


def beat(sha: str, t: int = 1, headline: str = "Did a thing") -> Beat:
    return Beat(sha=sha, time=t, kind="feature", message=headline, stats=Stats(files=1))


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    return Journal(tmp_path / "devlog" / "journal.jsonl")


def test_appended_beats_are_read_back_in_order(journal: Journal) -> None:
    with journal.writer() as w:
        assert w.add(beat("a" * 40, 1))
        assert w.add(beat("b" * 40, 2))
    assert [b.sha[0] for b in journal.load().beats] == ["a", "b"]


def test_duplicate_sha_is_ignored_by_the_writer_and_the_reader(journal: Journal) -> None:
    with journal.writer() as w:
        w.add(beat("a" * 40))
        assert not w.add(beat("a" * 40, headline="again"))
    with journal.writer() as w:
        assert not w.add(beat("a" * 40))
    # A duplicate written by hand (say, a bad merge of two journals) is ignored on read.
    with open(journal.path, "ab") as handle:
        handle.write(msgspec.json.encode(beat("a" * 40, headline="dupe")) + b"\n")
    state = journal.load()
    assert [b.subject for b in state.beats] == ["Did a thing"]


def test_torn_last_line_is_repaired_and_its_bytes_kept(journal: Journal) -> None:
    with journal.writer() as w:
        w.add(beat("a" * 40))
    good = journal.path.read_bytes()
    torn = msgspec.json.encode(beat("b" * 40))[:25]
    journal.path.write_bytes(good + torn)
    state = journal.load()
    assert state.torn_tail and [b.sha[0] for b in state.beats] == ["a"]
    with journal.writer() as w:
        w.add(beat("c" * 40))
    assert journal.path.read_bytes() == good + msgspec.json.encode(beat("c" * 40)) + b"\n"
    assert journal.path.with_suffix(".torn").read_bytes() == torn + b"\n"
    assert [b.sha[0] for b in journal.load().beats] == ["a", "c"]


def test_complete_last_line_missing_only_its_newline_is_kept(journal: Journal) -> None:
    journal.path.parent.mkdir(parents=True)
    journal.path.write_bytes(msgspec.json.encode(beat("a" * 40)))
    with journal.writer() as w:
        w.add(beat("b" * 40))
    assert [b.sha[0] for b in journal.load().beats] == ["a", "b"]


def test_corrupt_middle_line_is_skipped_reported_and_left_in_place(journal: Journal) -> None:
    with journal.writer() as w:
        w.add(beat("a" * 40))
    with open(journal.path, "ab") as handle:
        handle.write(b'{"type": "beat", "sha": \xff garbage\n')
    with journal.writer() as w:
        w.add(beat("b" * 40))
    state = journal.load()
    assert [b.sha[0] for b in state.beats] == ["a", "b"]
    assert state.corrupt_lines == [2]
    assert b"garbage" in journal.path.read_bytes()


def test_a_rewrite_never_hides_a_beat(journal: Journal) -> None:
    # What is reachable decides what is told; git's map can say a commit became itself
    # (a rebase that replays it unchanged) or name one still on another branch.
    with journal.writer() as w:
        w.add(beat("a" * 40, 1, "old"))
        w.add(beat("c" * 40, 2, "replayed unchanged"))
        w.add_rewrite([("a" * 40, "b" * 40), ("c" * 40, "c" * 40)])
    state = journal.load()
    assert [b.subject for b in state.beats] == ["old", "replayed unchanged"]
    assert state.rewrites == {"a" * 40: "b" * 40}
    with journal.writer() as w:
        assert not w.has("b" * 40), "the new commit still needs its own beat"
        assert w.has("c" * 40), "a commit mapped to itself is still journaled"
        assert w.add(beat("b" * 40, 3, "new"))
    assert [b.subject for b in journal.load().beats] == ["old", "replayed unchanged", "new"]


def test_rewrite_chains_follow_to_the_newest(journal: Journal) -> None:
    with journal.writer() as w:
        w.add(beat("a" * 40))
        w.add_rewrite([("a" * 40, "b" * 40)])
        w.add_rewrite([("b" * 40, "c" * 40)])
    assert journal.load().rewrites == {"a" * 40: "c" * 40, "b" * 40: "c" * 40}


def test_records_from_a_newer_schema_are_left_alone(journal: Journal) -> None:
    journal.path.parent.mkdir(parents=True)
    future = msgspec.json.encode(msgspec.structs.replace(beat("f" * 40), v=99))
    journal.path.write_bytes(future + b"\n" + msgspec.json.encode(beat("a" * 40)) + b"\n")
    assert [b.sha[0] for b in journal.load().beats] == ["a"]


def test_journal_file_is_private(journal: Journal) -> None:
    with journal.writer() as w:
        w.add(beat("a" * 40))
    assert journal.path.stat().st_mode & 0o077 == 0


def test_hundred_thousand_beats_load_completely(journal: Journal) -> None:
    journal.path.parent.mkdir(parents=True)
    encode = msgspec.json.encode
    with open(journal.path, "wb") as handle:
        for i in range(100_000):
            handle.write(encode(beat(f"{i:040x}", i)) + b"\n")
    state = journal.load()
    assert len(state.beats) == 100_000 and state.beats[-1].sha == f"{99_999:040x}"


def test_refresh_decodes_only_what_was_appended(journal: Journal) -> None:
    with journal.writer() as w:
        w.add(beat("a" * 40, 1))
    first = journal.load()
    with journal.writer() as w:
        w.add(beat("b" * 40, 2))
        w.add_rewrite([("a" * 40, "c" * 40)])
    refreshed = journal.refresh(first)
    assert [b.sha[0] for b in refreshed.beats] == ["a", "b"] and refreshed.rewrites == {"a" * 40: "c" * 40}
    assert refreshed.size == journal.path.stat().st_size
    assert [b.sha for b in refreshed.beats] == [b.sha for b in journal.load().beats]


def test_refresh_after_a_repair_reads_everything_again(journal: Journal) -> None:
    with journal.writer() as w:
        w.add(beat("a" * 40, 1))
    journal.path.write_bytes(journal.path.read_bytes() + b'{"type": "beat", "sh')
    torn = journal.load()
    assert torn.torn_tail
    with journal.writer() as w:  # repairs the tail, then appends
        w.add(beat("b" * 40, 2))
    assert [b.sha[0] for b in journal.refresh(torn).beats] == ["a", "b"]


def test_an_enrichment_follows_its_commit_through_a_rewrite(journal: Journal) -> None:
    from devlogd.models import Enriched

    with journal.writer() as w:
        w.add(beat("a" * 40, 1, "wip"))
        w.add_enrichment(Enriched(sha="a" * 40, time=2, origin="claude-haiku-5-5",
                                  headline="Caching the parsed config", why="Startup re-read it 40 times."))
        w.add_rewrite([("a" * 40, "b" * 40)])
        w.add(beat("b" * 40, 3, "wip, amended"))
    old, new = journal.load().beats
    assert old.sha == "a" * 40 and old.retold == "Caching the parsed config"
    assert (new.sha, new.retold, new.origin) == ("b" * 40, "Caching the parsed config", "claude-haiku-5-5")
    assert new.subject == "wip, amended" and new.stats.files == 1  # facts stay


def test_refresh_after_new_beats_matches_a_full_load(journal: Journal) -> None:
    with journal.writer() as w:
        w.add(beat("a" * 40, 1))
        w.add_rewrite([("a" * 40, "b" * 40)])
    first = journal.load()
    with journal.writer(since=first) as w:  # what the daemon appends after a commit
        assert not w.add(beat("a" * 40, 1)), "already journaled"
        w.add(beat("b" * 40, 2))
        w.add(beat("c" * 40, 3))
    refreshed, full = journal.refresh(first), journal.load()
    assert [b.sha[0] for b in refreshed.beats] == ["a", "b", "c"]
    assert refreshed.beats == full.beats and refreshed.own == full.own and refreshed.rewrites == full.rewrites
