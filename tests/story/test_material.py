"""The story material every narrator is given, item by item, on real repositories: what the
dry-run request holds is what a writer would have to write from."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from devlogd.cli.main import main
from devlogd.story.prompt import RULES
from tests.gitrepo import GitRepo

ROOT = Path(__file__).resolve().parents[2]


def request(capsys: pytest.CaptureFixture[str], repo: GitRepo, *extra: str) -> str:
    """The source material of the dry-run request."""
    assert main(["-C", str(repo.path), "--no-daemon", "draft", "--dry-run", *extra]) == 0
    user = json.loads(capsys.readouterr().out)["messages"][0]["content"]
    start = re.search(r"<source_material\w*>\n", user)
    assert start is not None
    return user[start.start():]


def chapters(material: str) -> str:
    return material[material.index("## Thread"):]


# 1. identity -------------------------------------------------------------------------------------

def test_the_project_is_named_by_its_manifest_not_its_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = GitRepo(tmp_path / "r")
    repo.commit("Fork a process onto another computer", {
        "Cargo.toml": '[package]\nname = "telefork"\nversion = "0.1.0"\n',
        "Readme.md": "# telefork\n\nBasically it's like the `fork()` syscall except it can fork a process onto a\n"
                     "different computer, using ptrace to serialize its memory.\n",
        "src/lib.rs": "pub fn telefork() {}\n"})
    material = request(capsys, repo)
    assert material.splitlines()[1] == "Project: telefork"
    assert "fork a process onto a different computer" in material
    assert "Project: r" not in material


def test_a_readme_heading_names_a_project_without_a_manifest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = GitRepo(tmp_path / "r")
    repo.commit("Initial working code", {
        "README.md": "# Endlessh: an SSH tarpit\n\n[![build](https://x/badge.svg)](https://x)\n\n"
                     "Endlessh is an SSH tarpit that very slowly sends an endless, random SSH banner.\n",
        "endlessh.c": "int main(void) { return 0; }\n"})
    material = request(capsys, repo)
    assert "Project: Endlessh (an SSH tarpit)" in material
    assert "very slowly sends an endless, random SSH banner" in material and "badge.svg" not in material.split("##")[0]


def test_the_remote_names_a_project_with_nothing_else(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = GitRepo(tmp_path / "r")
    repo.commit("Add the tool", {"tool.py": "def run():\n    return 1\n"})
    repo.git("remote", "add", "origin", "https://github.com/someone/mustapekka.git")
    assert "Project: mustapekka" in request(capsys, repo)


# 2. explanatory text -----------------------------------------------------------------------------------

def test_prose_in_docs_and_comment_blocks_is_material(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.commit("Initial", {"queue.py": "def take():\n    return None\n"})
    repo.commit("docs: explain the tarpit", {"docs/design.md": "# Design\n\n"
                "The tarpit sends one random line every ten seconds, so clients never time out.\n"
                "Memory is the resource to conserve: each client costs a few bytes.\n"})
    repo.commit("Explain the queue", {"queue.py": "# The queue is ordered by deadline: the head is always the next\n"
                "# client to wake, so the event loop never scans the whole list.\n"
                "# Removing from the middle is linear, but it is rare enough not to matter.\n"
                "def take():\n    return None\n"})
    material = request(capsys, repo)
    assert "Memory is the resource to conserve" in material
    assert "the head is always the next" in material


def test_the_main_files_shape_at_the_end_is_material_and_its_secrets_are_not(
        repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.secrets_corpus import A

    token = "ghp_" + A[:36]
    repo.commit("Add the tarpit", {"tarpit.c": "static int\nqueue_take(void)\n{\n    return 0;\n}\n"})
    repo.commit("Send the banner slowly", {"tarpit.c": (
        "/* The head of the queue is always the next client to wake. */\nstatic int\nqueue_take(void)\n{\n"
        "    return 0;\n}\n\n// Deploy with " + token + " in CI.\nint\nsendline(int fd)\n{\n    return fd;\n}\n\n"
        "int\nmain(void)\n{\n    return sendline(1);\n}\n")})
    material = request(capsys, repo)
    shape = material[material.index("How the code is laid out"):material.index("Whose work")]
    assert "tarpit.c (" in shape and "queue_take: The head of the queue is always the next client to wake." in shape
    assert shape.index("queue_take") < shape.index("sendline") < shape.index("main")
    assert token not in material and "ghp_" not in shape  # redacted where read, and again in the request


# 3. excerpts chosen by content ------------------------------------------------------------------------------

def test_the_telling_line_is_shown_even_when_it_comes_late(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    lines = ["import os", "import sys", "import json", "import time", "import logging", "from openai import OpenAI",
             "", "client = OpenAI()", "", "def moderate(text):",
             "    result = client.moderations.create(input=text)",
             "    if result.results[0].flagged:", "        raise ValueError('flagged')", "    return text"]
    repo.commit("Check every message before it is posted", {"moderation.py": "\n".join(lines) + "\n"})
    material = request(capsys, repo)
    assert "client.moderations.create(input=text)" in material
    assert "+import os" not in material  # imports are what a reader skips



def test_the_code_is_shown_before_the_build_file_beside_it() -> None:
    from devlogd.models import Beat, Hunk
    from devlogd.story.sources import beat_lines

    makefile = Hunk(path="Makefile", lines=["+.POSIX:", "+CC      = cc", "+CFLAGS  = -std=c99 -Wall -Wextra -Os",
                                            "+drip: drip.c", "+\t$(CC) $(LDFLAGS) $(CFLAGS) -o $@ drip.c $(LDLIBS)"])
    readme = Hunk(path="README.md", lines=["+# Drip", "+", "+Drip keeps SSH scanners busy for hours by sending an",
                                           "+endless banner, one random line at a time."])
    code = Hunk(path="drip.c", lines=["+    int len = 3 + rand() % (max - 2);", "+    if (memcmp(line, \"SSH-\", 4) == 0)",
                                      "+        line[0] = 'X';", "+    line[len - 2] = 13;"])
    beat = Beat(sha="a" * 40, time=1_600_000_000, kind="feature", message="Initial working code",
                excerpt=[makefile, readme, code], importance=80)
    shown = "\n".join(beat_lines(beat, lead=True))
    assert 'if (memcmp(line, "SSH-", 4) == 0)' in shown and "Drip keeps SSH scanners" in shown
    assert "CFLAGS" not in shown



def test_a_commit_of_comments_shows_them_even_when_it_is_minor() -> None:
    from devlogd.models import Beat, Hunk
    from devlogd.story.sources import beat_lines

    hunk = Hunk(path="src/lib.rs", lines=[
        "+            // This lets the parent inspect our state even if it lacks the permissions",
        "+            ptrace::traceme()?;",
        "+            // Use a raise syscall to stop our process, when rehydrated we'll",
        "+            // be resumed from this syscall with a doctored return value",
        "+            let raise_result = unsafe { libc::raise(libc::SIGSTOP) };",
        "+            Ok(NormalForkLocation::Woke(raise_result))"])
    beat = Beat(sha="b" * 40, time=1_600_000_000, kind="docs", message="Many many comments",
                excerpt=[hunk], importance=40)
    assert "doctored return value" in "\n".join(beat_lines(beat))


# 4. noise classes -----------------------------------------------------------------------------------------

def test_noise_files_supply_nothing_and_are_counted_apart(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    lock = json.dumps({"name": "site", "lockfileVersion": 3,
                       "packages": {f"node_modules/p{i}": {"version": "1.0.0"} for i in range(40)}}, indent=2)
    repo.commit("idk", {"package-lock.json": lock, "LICENSE": "MIT License\n\nPermission is hereby granted\n",
                        "Assets/player.png.meta": "fileFormatVersion: 2\nguid: 1234\n",
                        "src/score.ts": "export function evaluateScore(points: number) {\n  return points * 2;\n}\n"})
    material = chapters(request(capsys, repo))
    assert "package-lock.json" not in material and "LICENSE" not in material and ".meta" not in material
    assert "evaluateScore" in material.splitlines()[1]  # the headline comes from the code
    assert "1 lockfile file" in material and "1 licence file" in material


def test_a_repository_can_add_a_noise_class(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.commit("Add fixtures and the parser", {
        ".devlog.toml": '[[noise.classes]]\nname = "fixture"\nlabel = "test fixtures"\npaths = ["golden/"]\n',
        "golden/big_case.txt": "def looks_like_code():\n    pass\n" * 20,
        "parser.py": "def parse(raw):\n    return raw.split(',')\n"})
    material = chapters(request(capsys, repo))
    assert "golden/" not in material and "1 fixture file" in material


# 5. time that reads right --------------------------------------------------------------------------------------

def test_background_precedes_the_chapters_and_beats_carry_their_part_of_day(repo: GitRepo,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    for index in range(12):
        repo.commit(f"Add step {index} of the importer", {f"old/step{index}.py": f"def step_{index}():\n    return {index}\n"})
    repo.clock += 90 * 86400  # three months of silence
    for index in range(10):
        repo.clock += 1200  # one long sitting
        repo.commit(f"Add renderer pass {index}", {f"render/pass{index}.py": f"def render_pass_{index}():\n    return {index}\n"})
    material = request(capsys, repo)
    assert material.index("Background") < material.index("## Thread")
    era_ends = re.findall(r"^- \d{4}-\d{2}-\d{2} to (\d{4}-\d{2}-\d{2}):", material, re.M)
    first_beat = re.search(r"^- \[(\d{4}-\d{2}-\d{2}) \w{3} (?:night|morning|afternoon|evening)\]",
                           chapters(material), re.M)
    assert era_ends and first_beat and max(era_ends) < first_beat.group(1)
    assert "render_pass_9" in chapters(material) and "step_3" not in chapters(material)
    assert "Rhythm of the work" in material and "changes over" in material


# 6. relations --------------------------------------------------------------------------------------------------

def test_relations_are_named_with_their_evidence(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.commit("Add the header parser", {"parser.py": "def parse_header(raw):\n    return raw.split(':')\n"})
    repo.commit("fix: parse_header crashed on empty lines",
                {"parser.py": "def parse_header(raw):\n    if not raw:\n        return []\n    return raw.split(':')\n"})
    repo.commit("test: empty header lines", {"tests/test_parser.py": "def test_empty():\n    assert parse_header('') == []\n"})
    repo.commit("Bring in requests", {"requirements.txt": "requests==2.31\n", "fetch.py": "import requests\n"})
    repo.commit("perf: cache the parsed headers\n\nParsing went from 120ms to 4ms per request.",
                {"parser.py": "def parse_header(raw):\n    if not raw:\n        return []\n    return raw.split(':')\n\nCACHE = {}\n"})
    repo.git("tag", "v1.0")
    sha = repo.head()
    repo.commit("Revert \"perf: cache the parsed headers\"\n\nThis reverts commit " + sha + ".",
                {"parser.py": "def parse_header(raw):\n    if not raw:\n        return []\n    return raw.split(':')\n"})
    material = request(capsys, repo)
    assert re.search(r"relation: problem -> solution.*\"Add the header parser\".*`parse_header`", material)
    assert re.search(r"relation: guard: a test after a fix.*parse_header crashed", material)
    assert re.search(r"relation: built on: brings in dependencies \(requests\)", material)
    assert re.search(r"relation: result: a measured outcome \(from 120ms to 4ms", material)
    assert re.search(r"relation: milestone: a version or a tag \(v1\.0\)", material)
    assert re.search(r"relation: setback: undoes an earlier change \(undoes \"Cache the parsed headers\"", material)


def test_a_struggle_spans_whole_days_never_one_days() -> None:
    from devlogd.models import Beat
    from devlogd.story.relations import find_relations

    hour = 3600
    kinds = ["feature", "fix", "fix", "fix"]
    beats = [Beat(sha=f"{i:040x}", time=1_700_000_000 + i * 9 * hour, kind=kind, message=f"Work on eval {i}", touched=["eval"]) for i, kind in enumerate(kinds)]  # 27 hours end to end
    struggles = [r.evidence for r in find_relations(beats) if r.kind == "struggle"]
    assert struggles == ["`eval` changed 4 times in 2 days"]


def test_no_relation_is_claimed_without_facts(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.commit("Add the header parser", {"parser.py": "def parse_header(raw):\n    return raw\n"})
    repo.commit("fix: typo in the README", {"README.md": "# Parser\n\nParses headers.\n"})
    assert "relation:" not in request(capsys, repo)


# 7. reasons are reasons -------------------------------------------------------------------------------------------

def test_non_reasons_and_repeats_stay_out(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.commit("Initial", {"net.c": "int port;\n"})
    repo.commit("Correct for different definitions of sockaddr_in\n\nOn BSD it doesn't like the braces, and on "
                "Linux it prefers braces.\n\nUgh.\n\nCloses #6.", {"net.c": "int port = 22;\n"})
    repo.commit("Fix the crash on empty input\n\nFix the crash on empty input.", {"net.c": "int port = 2222;\n"})
    material = request(capsys, repo)
    assert "On BSD it doesn't like the braces" in material
    assert "Ugh" not in material and "#6" not in material
    assert not re.search(r"(why|tension|insight|also said): Fix the crash on empty input", material)


# 8. low-signal messages --------------------------------------------------------------------------------------------

def test_a_message_that_says_nothing_is_told_from_the_code_never_a_lockfile(repo: GitRepo,
                                                                           capsys: pytest.CaptureFixture[str]) -> None:
    big_lock = "\n".join(f'"node_modules/pkg{i}": {{"version": "1.0.{i}"}},' for i in range(300))
    repo.commit("idkk", {"package-lock.json": big_lock, "src/judge.py":
                         "def evaluate(answer):\n    return answer == 42\n\n\ndef determine_response_type(text):\n    return 'ok'\n"})
    headline = chapters(request(capsys, repo)).splitlines()[1]
    assert "evaluate" in headline and "src/judge.py" in headline and "package-lock" not in headline


# 9. whose story, which stretch ------------------------------------------------------------------------------------

def _two_authors(repo: GitRepo) -> None:
    ada = {"GIT_AUTHOR_NAME": "Ada Lovelace", "GIT_AUTHOR_EMAIL": "ada@example.com"}
    bob = {"GIT_AUTHOR_NAME": "Bob Builder", "GIT_AUTHOR_EMAIL": "bob@example.com"}
    for index in range(3):
        repo.commit(f"Add engine part {index}", {f"engine{index}.py": f"def engine_{index}():\n    pass\n"}, env=ada)
    for index in range(5):
        repo.commit(f"Add music track {index}", {f"music{index}.py": f"def track_{index}():\n    pass\n"}, env=bob)


def test_the_git_users_own_work_is_told_and_others_are_credited(repo: GitRepo,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    _two_authors(repo)  # the test's git user is Ada
    material = request(capsys, repo)
    assert "Whose work: Ada Lovelace (your own work" in material and '("I")' in material
    assert "engine_2" in chapters(material) and "track_1" not in chapters(material).split("Others' work")[0]
    assert "- Bob Builder: Add music track 0" in material


def test_authors_can_be_chosen_and_shared_work_is_told_as_we(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    _two_authors(repo)
    assert "Whose work: Bob Builder (the authors asked for)" in request(capsys, repo, "--author", "bob@")
    shared = request(capsys, repo, "--all-authors")
    assert 'write as "we"' in shared and "(by Bob Builder)" in shared and "(by Ada Lovelace)" in shared
    ada = {"GIT_AUTHOR_NAME": "Ada Lovelace", "GIT_AUTHOR_EMAIL": "ada@example.com"}
    for n in range(30):  # Bob's five changes among 33 of Ada's: Ada's post, Bob credited by name
        repo.commit(f"Tune the level {n}", {"level.lua": f"LEVEL = {n}\n"}, env=ada)
    mostly = request(capsys, repo, "--all-authors")
    assert '("I") as Ada Lovelace' in mostly and 'write as "we"' not in mostly and "(by Bob Builder)" in mostly


def test_a_long_history_tells_its_latest_stretch(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    for year in range(3):
        for index in range(20):
            repo.commit(f"Add feature {year}-{index}", {f"y{year}/f{index}.py": f"def feature_{year}_{index}():\n    pass\n"})
        repo.clock += 200 * 86400
    material = request(capsys, repo)
    assert "Stretch told: the most recent stretch of work" in material
    assert "feature_2_" in chapters(material) and "feature_0_" not in chapters(material)


# 10. the author's own facts --------------------------------------------------------------------------------------

def test_notes_are_material_and_survive_a_rewrite(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.commit("Add the tarpit loop", {"tarpit.py": "def loop():\n    pass\n"})
    assert main(["-C", str(repo.path), "--no-daemon", "note", "1,378 clients stuck for 20 hours at the peak"]) == 0
    repo.write("tarpit.py", "def loop():\n    return None\n")
    repo.git("commit", "-q", "-a", "--amend", "-m", "Add the tarpit loop, amended")
    capsys.readouterr()
    material = request(capsys, repo)
    assert "In the author's own words" in material and "1,378 clients stuck for 20 hours at the peak" in material


def test_an_editor_adds_a_note_over_lsp(repo: GitRepo) -> None:
    from tests.daemonutil import devlog, lsp_request

    repo.commit("Add the tarpit loop", {"tarpit.py": "def loop():\n    pass\n"})
    reply = lsp_request(repo.path, "devlog/addNote", {"text": "Started this after a weekend of SSH scans"})
    assert reply["text"] == "Started this after a weekend of SSH scans"
    out = devlog(repo.path, "draft", "--dry-run").stdout
    assert "Started this after a weekend of SSH scans" in out
    devlog(repo.path, "daemon", "stop")


# 12. the request fits the post ----------------------------------------------------------------------------------------

def test_the_request_asks_for_plain_markdown_and_a_length_that_follows_the_material(
        repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    assert "<Shield>" in RULES and "plain markdown" in RULES
    repo.commit("Add the parser", {"p.py": "def parse():\n    pass\n"})
    assert main(["-C", str(repo.path), "--no-daemon", "draft", "--dry-run"]) == 0
    small = json.loads(capsys.readouterr().out)["messages"][0]["content"]
    for index in range(30):
        repo.clock += 4 * 86400
        repo.commit(f"Add module {index}", {f"m{index}/core.py": f"def module_{index}():\n    pass\n"})
    assert main(["-C", str(repo.path), "--no-daemon", "draft", "--dry-run"]) == 0
    large = json.loads(capsys.readouterr().out)["messages"][0]["content"]
    words = [int(re.search(r"Aim for about (\d+) words", text).group(1)) for text in (small, large)]  # type: ignore[union-attr]
    assert words[0] < words[1]


# 13. the benchmark that shows the material ---------------------------------------------------------------------------

def test_bench_material_measures_a_repository(repo: GitRepo) -> None:
    repo.commit("Initial", {"README.md": "# Tarpit\n\nA tarpit for SSH scanners that wastes their time.\n",
                            "package-lock.json": "{}\n", "tarpit.py": "def loop():\n    pass\n"})
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "material.py"), str(repo.path)],
                         capture_output=True, text=True, check=True).stdout
    assert "project 'Tarpit'" in out and "0 from noise files" in out and "eras before chapters: True" in out


def test_a_name_many_changes_define_is_no_one_s_fix_and_a_test_given_up_no_pivot() -> None:
    from devlogd.models import Beat
    from devlogd.story.relations import find_relations

    def beat(i: int, headline: str, kind: str = "feature", **names: list[str]) -> Beat:
        return Beat(sha=f"{i:040x}", time=1_700_000_000 + i * 3600, kind=kind,
                    message=headline, **names)  # type: ignore[arg-type]

    beats = [beat(0, "Add the lexer", added=["Lexer", "String"]),
             beat(1, "Add the parser", added=["Parser", "String"]),
             beat(2, "Add the printer", added=["Printer", "String"]),
             beat(3, "Fix precedence", "fix", touched=["String"]),
             beat(4, "Add parse test", added=["ParseProgram_TEST"]),
             beat(5, "Use IsLValue instead", added=["IsLValue"], removed=["ParseProgram_TEST"])]
    kinds = [(r.kind, r.evidence) for r in find_relations(beats)]
    assert not any(kind in ("fixes", "pivot") for kind, _ in kinds), kinds


def test_the_outline_ranks_every_candidate_and_shows_files_of_them() -> None:
    # The ranked map reads all the candidates it is given (a file that uses the main one is a
    # vote for it), each once, and shows FILES of them.
    from devlogd.story.outline import FILES, outline

    drawn: list[str] = []

    def files() -> Iterator[tuple[str, str]]:
        for index in range(6):
            drawn.append(f"f{index}.py")
            yield f"f{index}.py", "def a():\n    pass\n\n\ndef b():\n    pass\n"

    assert [o.path for o in outline(files())] == ["f0.py", "f1.py"] and len(drawn) == 6 and FILES == 2
