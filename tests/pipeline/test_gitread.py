"""The git reader on real repositories, one edge case at a time."""

from __future__ import annotations

import os
from pathlib import Path

from devlogd.pipeline.beats import make_beat
from devlogd.config import GitConfig
from devlogd.pipeline.gitread import GitReader
from devlogd.pipeline.ignore import PathFilter
from tests.gitrepo import GitRepo


def reader(repo: GitRepo, **config: int) -> GitReader:
    return GitReader(repo.path, GitConfig(**config))


def test_root_commit_is_diffed_against_the_empty_tree(repo: GitRepo) -> None:
    sha = repo.commit("Initial bot", {"bot.py": "print('hi')\n", "README.md": "# bot\n"})
    facts = reader(repo).facts(sha)
    assert facts.parents == []
    assert sorted((f.path, f.status) for f in facts.files) == [("README.md", "A"), ("bot.py", "A")]
    assert facts.insertions == 2 and facts.deletions == 0


def test_constant_and_function_reach_the_beat(repo: GitRepo) -> None:
    repo.commit("start", {"server.py": "import socket\n"})
    sha = repo.commit(
        "Handle deleted tweets",
        {"server.py": "import socket\n\nDEFAULT_PORT = 2222\n\n\ndef handle_deleted_tweet(tweet):\n    return tweet.id\n"},
    )
    facts = reader(repo).facts(sha)
    assert "DEFAULT_PORT = 2222" in facts.constants
    assert "handle_deleted_tweet" in facts.definitions
    beat = make_beat(facts)
    assert "handle_deleted_tweet" in beat.identifiers
    assert "DEFAULT_PORT = 2222" in beat.numbers
    assert any("+DEFAULT_PORT = 2222" in line for hunk in beat.excerpt for line in hunk.lines)


def test_touched_function_comes_from_the_hunk_header(repo: GitRepo) -> None:
    body = "def parse(data):\n" + "".join(f"    x{i} = {i}\n" for i in range(10)) + "    return x0\n"
    repo.commit("parser", {"p.py": body})
    sha = repo.commit("tweak", {"p.py": body.replace("x9 = 9", "x9 = 99")})
    facts = reader(repo).facts(sha)
    assert facts.functions == ["parse"]


def test_merge_is_summarised_against_its_first_parent(repo: GitRepo) -> None:
    repo.commit("base", {"a.txt": "a\n"})
    repo.git("checkout", "-q", "-b", "topic")
    repo.commit("topic work", {"topic.py": "def topic_feature():\n    pass\n"})
    repo.git("checkout", "-q", "main")
    repo.commit("main work", {"main.py": "x = 1\n"})
    repo.clock += 60
    repo.git("merge", "-q", "--no-ff", "-m", "Merge branch 'topic'", "topic")
    merge = repo.head()
    facts = reader(repo).facts(merge)
    assert len(facts.parents) == 2
    assert [f.path for f in facts.files] == ["topic.py"]
    assert make_beat(facts).kind == "merge"


def test_binary_file_is_flagged_and_never_excerpted(repo: GitRepo) -> None:
    sha = repo.commit("logo", {"logo.png": bytes(range(256)) * 8})
    facts = reader(repo).facts(sha)
    assert facts.files[0].binary is True
    assert facts.excerpt == []


def test_rename_keeps_the_old_path(repo: GitRepo) -> None:
    content = "".join(f"line {i}\n" for i in range(50))
    repo.commit("add", {"old_name.py": content})
    repo.git("mv", "old_name.py", "new_name.py")
    sha = repo.commit("rename")
    (change,) = reader(repo).facts(sha).files
    assert (change.status, change.old_path, change.path) == ("R", "old_name.py", "new_name.py")


def test_case_only_rename(repo: GitRepo) -> None:
    content = "".join(f"line {i}\n" for i in range(20))
    repo.commit("add", {"Readme.txt": content})
    repo.git("mv", "Readme.txt", "README.txt")
    sha = repo.commit("case")
    (change,) = reader(repo).facts(sha).files
    assert (change.status, change.old_path, change.path) == ("R", "Readme.txt", "README.txt")


def test_submodule_gitlink(repo: GitRepo) -> None:
    repo.commit("base", {"a.txt": "a\n"})
    fake = "1234567890abcdef1234567890abcdef12345678"
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{fake},vendor/lib")
    repo.clock += 60
    repo.git("commit", "-q", "-m", "Add vendored lib as a submodule")
    (change,) = reader(repo).facts(repo.head()).files
    assert change.path == "vendor/lib" and change.submodule and not change.binary


def test_empty_commit(repo: GitRepo) -> None:
    repo.commit("base", {"a.txt": "a\n"})
    sha = repo.commit("checkpoint", allow_empty=True)
    facts = reader(repo).facts(sha)
    assert facts.files == [] and facts.insertions == 0
    assert make_beat(facts).action.verb == "empty"


def test_message_in_declared_latin1_encoding_is_decoded(repo: GitRepo) -> None:
    repo.git("config", "i18n.commitEncoding", "ISO-8859-1")
    sha = repo.commit("Caf\xe9 cr\xe8me support".encode("latin-1"), {"a.txt": "a\n"})
    facts = reader(repo).facts(sha)
    assert facts.subject == "Café crème support"


def test_invalid_utf8_message_never_crashes(repo: GitRepo) -> None:
    # `git commit` re-encodes bad bytes, so write the commit object by hand, as old tools did.
    repo.commit("base", {"a.txt": "a\n"})
    tree = repo.git("rev-parse", "HEAD^{tree}")
    raw = (f"tree {tree}\nparent {repo.head()}\nauthor B\xe9a <b@x> 1700000000 +0000\n"
           "committer B <b@x> 1700000000 +0000\n\n").encode("latin-1")
    raw += b"Fix \xff\xfe parser on \x80 input\n"
    sha = repo.git("hash-object", "-t", "commit", "-w", "--stdin", input=raw)
    facts = reader(repo).facts(sha)
    assert facts.author == "B\ufffda"
    assert facts.subject.startswith("Fix ") and "parser" in facts.subject
    assert "\ufffd" in facts.subject


def test_missing_blob_is_skipped_and_noted(repo: GitRepo) -> None:
    repo.commit("base", {"keep.txt": "keep\n"})
    sha = repo.commit("add data", {"data.txt": "precious data\n"})
    blob = repo.git("rev-parse", f"{sha}:data.txt")
    (repo.common_dir / "objects" / blob[:2] / blob[2:]).unlink()
    facts = reader(repo).facts(sha)
    assert [f.path for f in facts.files] == ["data.txt"]
    assert any("unavailable" in note for note in facts.notes)


def test_missing_parent_commit_falls_back_to_the_empty_tree(repo: GitRepo) -> None:
    first = repo.commit("base", {"a.txt": "a\n"})
    sha = repo.commit("second", {"b.txt": "b\n"})
    (repo.common_dir / "objects" / first[:2] / first[2:]).unlink()
    facts = reader(repo).facts(sha)
    assert {f.path for f in facts.files} == {"a.txt", "b.txt"}
    assert any("parent" in note for note in facts.notes)


def test_the_code_s_new_definitions_come_before_its_tests(repo: GitRepo) -> None:
    sha = repo.commit("Parse headers", {"a_tests/test_parser.py": "def test_empty():\n    assert True\n",
                                        "tests/test_parser.py": "def test_colon():\n    assert True\n",
                                        "zparser.py": "def parse_header(raw):\n    return raw\n"})
    assert reader(repo).facts(sha).definitions == ["parse_header", "test_empty", "test_colon"]


def test_huge_vendoring_commit_is_bounded(repo: GitRepo) -> None:
    repo.commit("base", {"a.txt": "a\n"})
    files = {f"vendor_lib/mod{i:03}.py": "".join(f"VALUE_{j} = {j}\n" for j in range(200)) for i in range(330)}
    sha = repo.commit("Vendor the lib", files)  # 66,000 added lines
    facts = reader(repo, max_files=300, max_scan_lines=2000).facts(sha)
    assert facts.files_total == 330
    assert len(facts.files) == 300
    assert facts.insertions == 66_000
    assert len(facts.constants) <= 12 and len(facts.excerpt) <= 4
    assert any("not described one by one" in note for note in facts.notes)


def test_devlogignore_keeps_paths_out_of_facts(repo: GitRepo) -> None:
    sha = repo.commit("stuff", {"secret/plan.md": "world domination\n", "app.py": "x = 1\n"})
    facts = GitReader(repo.path, ignore=PathFilter(["secret/"])).facts(sha)
    assert [f.path for f in facts.files] == ["app.py"]
    assert "secret" not in str(facts.excerpt)


def test_env_file_content_never_excerpted(repo: GitRepo) -> None:
    sha = repo.commit("config", {".env": "DATABASE_URL=postgres://u:hunter22pass@db/x\n"})
    facts = reader(repo).facts(sha)
    assert [f.path for f in facts.files] == [".env"]
    assert facts.excerpt == []


def test_secret_in_diff_is_redacted_before_it_is_stored(repo: GitRepo) -> None:
    key = "AKIA" + "IOSFODNN7EXAMPLE"
    sha = repo.commit("Add S3 upload", {"upload.py": f'AWS_KEY_ID = "{key}"\ndef upload():\n    pass\n'})
    facts = reader(repo).facts(sha)
    text = str(facts)
    assert key not in text
    assert "[REDACTED:aws-access-key]" in text


def test_first_parent_range(repo: GitRepo) -> None:
    a = repo.commit("a", {"a": "1\n"})
    b = repo.commit("b", {"b": "1\n"})
    c = repo.commit("c", {"c": "1\n"})
    r = reader(repo)
    assert r.first_parent_shas() == [a, b, c]
    assert r.first_parent_shas(f"{a}..HEAD") == [b, c]
    assert r.first_parent_shas(b) == [a, b]


def test_unborn_branch_has_no_history(repo: GitRepo) -> None:
    assert reader(repo).first_parent_shas() == []


def test_worktree_shares_the_common_dir(repo: GitRepo, tmp_path: Path) -> None:
    from devlogd.paths import find_repo

    repo.commit("a", {"a": "1\n"})
    repo.git("worktree", "add", "-q", str(tmp_path / "wt"), "-b", "wt")
    main_paths = find_repo(repo.path)
    wt_paths = find_repo(tmp_path / "wt")
    assert wt_paths.common_dir == main_paths.common_dir == (repo.path / ".git").resolve()
    assert wt_paths.workdir == (tmp_path / "wt").resolve()
    assert os.path.samefile(wt_paths.journal.parent.parent, repo.path / ".git")


def test_reachable_since_walks_only_the_new_commits(repo: GitRepo) -> None:
    first = repo.commit("one", {"a.txt": "1\n"})
    repo.commit("two", {"a.txt": "2\n"})
    git = reader(repo)
    known = git.local_tips()
    third = repo.commit("three", {"a.txt": "3\n"})
    repo.git("branch", "side", first)
    assert git.reachable_since(git.local_tips(), known) == [third]


def test_reachable_since_gives_up_when_history_moved_back(repo: GitRepo) -> None:
    repo.commit("one", {"a.txt": "1\n"})
    repo.commit("two", {"a.txt": "2\n"})
    git = reader(repo)
    known = git.local_tips()
    repo.git("reset", "-q", "--hard", "HEAD~1")
    assert git.reachable_since(git.local_tips(), known) is None
