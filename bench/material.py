#!/usr/bin/env python3
"""What a narrator is given, repository by repository: the story material, measured.

    bench/material.py REPO [REPO ...] [--since X] [--until Y] [--all-authors]

For each repository the dry-run request is built (journaling what is missing first), and
this prints the source material's size against the raw history it came from (`git log -p`
of the same range, the reference), the project name and where it was found, and what a
reader would count against it: excerpts from noise files, excerpts of imports only, empty
fields, why/tension/insight that repeat another field or the headline, and eras that do
not precede the chapters.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devlogd.app.drafts import write_draft  # noqa: E402
from devlogd.app.project import Project  # noqa: E402
from devlogd.app.selection import for_draft, visible_journal  # noqa: E402
from devlogd.cli.backend import journal_missing  # noqa: E402
from devlogd.cli.progress import Progress  # noqa: E402
from devlogd.pipeline.reasons import same_thought  # noqa: E402
from devlogd.protocol import DraftOptions  # noqa: E402

_EXCERPT = re.compile(r"^  (?:code|prose) \((?P<path>[^,)]+)")
_FIELD = re.compile(r"^  (?P<label>why|tension|insight|what|also said|names|numbers|files): ?(?P<text>.*)$")
_IMPORT = re.compile(r"^    [+-][ \t]*(?:import |from \S+ import|#include|use |require\(|using |package )")
_BEAT = re.compile(r"^- \[(?P<date>\d{4}-\d{2}-\d{2})[^\]]*\] \w+: (?P<headline>.*)$")
_ERA = re.compile(r"^- (?P<start>\d{4}-\d{2}-\d{2}) to (?P<end>\d{4}-\d{2}-\d{2}):")


def measure(repo: Path, options: DraftOptions) -> dict[str, object]:
    project = Project.open(repo)
    state, reachable = journal_missing(project, Progress())
    chosen = for_draft(project, visible_journal(state, reachable), options.since, options.until)
    result = write_draft(project, chosen, options)
    request = json.loads(result.markdown)
    user = request["messages"][0]["content"]
    material = user[re.search(r"<source_material\w*>\n", user).start():]  # type: ignore[union-attr]
    counts = _count(material, project)
    since = [f"--since={options.since}"] if options.since else []
    until = [f"--until={options.until}"] if options.until else []
    raw = subprocess.run(["git", "log", "-p", "--first-parent", *since, *until], cwd=repo,
                         capture_output=True).stdout
    first_line = material.splitlines()[1] if len(material.splitlines()) > 1 else ""
    return {"repository": repo.name, "project": first_line.removeprefix("Project: "), "bytes": len(material.encode()),
            "history_bytes": len(raw), **counts}


def _count(material: str, project: Project) -> dict[str, object]:
    noise_excerpts = import_only = empty = repeated = 0
    excerpts = 0
    fields: dict[str, str] = {}
    headline = ""
    excerpt_lines: list[str] = []
    in_chapters = False
    first_chapter = ""
    last_era = ""

    def close_excerpt() -> None:
        nonlocal import_only
        if excerpt_lines and all(_IMPORT.match(line) for line in excerpt_lines):
            import_only += 1
        excerpt_lines.clear()

    for line in material.splitlines():
        era = _ERA.match(line)
        if era and not in_chapters:
            last_era = max(last_era, era.group("end"))
        if line.startswith("## Thread"):
            in_chapters = True
        beat = _BEAT.match(line)
        if beat:
            close_excerpt()
            fields, headline = {}, beat.group("headline")
            first_chapter = first_chapter or (beat.group("date") if in_chapters else "")
        field = _FIELD.match(line)
        if field:
            close_excerpt()
            label, text = field.group("label"), field.group("text").strip()
            empty += not text
            if label in ("why", "tension", "insight"):
                others = [headline] + [v for k, v in fields.items() if k in ("why", "tension", "insight")]
                repeated += any(same_thought(text, o) for o in others if o)
            fields[label] = text
        excerpt = _EXCERPT.match(line)
        if excerpt:
            close_excerpt()
            excerpts += 1
            noise_excerpts += bool(project.noise.classify(excerpt.group("path")))
        elif line.startswith("    ") and line[4:5] in "+-":
            excerpt_lines.append(line)
    close_excerpt()
    return {"excerpts": excerpts, "noise_excerpts": noise_excerpts, "import_only": import_only,
            "empty_fields": empty, "repeated_fields": repeated,
            "eras_before_chapters": not last_era or not first_chapter or last_era <= first_chapter}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("repos", nargs="+", type=Path)
    parser.add_argument("--since")
    parser.add_argument("--until")
    parser.add_argument("--all-authors", action="store_true")
    args = parser.parse_args(argv)
    options = DraftOptions(since=args.since, until=args.until, dry_run=True, all_authors=args.all_authors)
    for repo in args.repos:
        row = measure(repo.resolve(), options)
        ratio = row["bytes"] / row["history_bytes"] if row["history_bytes"] else 0.0  # type: ignore[operator]
        print(f"{row['repository']}: project {row['project']!r}; material {row['bytes']:,} bytes = "
              f"{ratio:.3f}x the raw history's {row['history_bytes']:,}; {row['excerpts']} excerpts, "
              f"{row['noise_excerpts']} from noise files, {row['import_only']} imports only; "
              f"{row['empty_fields']} empty and {row['repeated_fields']} repeated fields; "
              f"eras before chapters: {row['eras_before_chapters']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
