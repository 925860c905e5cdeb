"""What the terminal shows while a draft is made: labelled phases on a line of their own,
completed and cleared on a terminal, one summary line anywhere else."""

from __future__ import annotations

import io
import re
from pathlib import Path

from devlogd.cli.progress import CLEAR_LINE, Progress
from tests.conftest import track_daemon
from tests.daemonutil import devlog
from tests.synth import write_history


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def frames(raw: str) -> list[str]:
    """What was on the progress line each time it was drawn, in order ('' when cleared)."""
    return [part.split("\n")[-1] for part in raw.split(CLEAR_LINE)[1:]]


def test_on_a_terminal_each_phase_is_labelled_completed_and_the_line_cleared() -> None:
    screen = Terminal()
    progress = Progress(screen)
    progress.phase("journaling", 0, 400)
    progress.phase("journaling", 380, 400)  # the last report is short of the total...
    progress.note("400 beats -> 7 chapters")
    progress.phase("planning", 0, 400)
    progress.phase("writing", 0, 7)
    progress.finish()
    raw = screen.getvalue()
    drawn = [f for f in frames(raw) if f]
    assert drawn[0].startswith("journaling") and "0/400 commits" in drawn[0]
    assert any(f.startswith("planning") and "0/400 beats" in f for f in drawn)
    assert drawn[-1].startswith("writing") and "7/7 chapters" in drawn[-1]  # ...finished at 100%
    assert raw.endswith(CLEAR_LINE)  # and cleared
    # The note has a line of its own: the bar was cleared before it, not written over.
    assert f"{CLEAR_LINE}devlog: 400 beats -> 7 chapters\n" in raw
    assert "/100" not in raw and "/s" not in raw  # no made-up totals, no meaningless rates


def test_streamed_text_replaces_the_bar() -> None:
    screen = Terminal()
    progress = Progress(screen)
    progress.phase("writing", 0, 3)
    progress.text("---\ntitle: x\n")
    progress.phase("writing", 3, 3)  # while text streams, nothing is drawn over it
    progress.finish()
    assert "---\ntitle: x\n\n" in screen.getvalue()
    assert screen.getvalue().split("---\ntitle: x\n", 1)[1].count("writing") == 1  # completed once, then cleared


def test_elsewhere_only_one_summary_line() -> None:
    log = io.StringIO()
    progress = Progress(log)
    for done in range(0, 101, 5):
        progress.phase("journaling", done, 100)
    progress.phase("planning", 0, 100)
    progress.phase("writing", 1, 1)
    progress.finish()
    (line,) = log.getvalue().splitlines()
    assert re.fullmatch(r"devlog: journaling 100 commits \(\d+\.\d s\), planning 100 beats \(\d+\.\d s\), "
                        r"writing 1 chapter \(\d+\.\d s\)", line)


def test_a_first_draft_through_a_new_daemon_shows_journaling_with_its_total(tmp_path: Path) -> None:
    repo = write_history(tmp_path / "long", 600)
    track_daemon(repo)
    for where in ([], ["--no-daemon"]):
        (repo / ".git" / "devlog" / "journal.jsonl").unlink(missing_ok=True)
        devlog(repo, "daemon", "stop")
        result = devlog(repo, *where, "draft", "--since", "2000-01-01")
        summaries = [line for line in result.stderr.splitlines() if "journaling" in line]
        assert len(summaries) == 1, result.stderr
        assert re.match(r"devlog: (reading history \(\d+\.\d s\), )?journaling 600 commits \(", summaries[0])
        assert "planning 600 beats" in summaries[0] and "chapters" in summaries[0]
        assert "/100" not in result.stderr
