"""One repository as the use cases see it: where it is, its configuration, its ignore
rules, its journal, and (loaded on demand) its git reader."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from devlogd.config import BeatRule, Config, load_config
from devlogd.paths import RepoPaths, find_repo
from devlogd.pipeline.beats import DEFAULT_RULES
from devlogd.pipeline.ignore import PathFilter
from devlogd.pipeline.journal import Journal
from devlogd.pipeline.noise import NoiseFilter, noise_filter

if TYPE_CHECKING:
    from devlogd.pipeline.gitread import GitReader


@dataclass
class Project:
    """One repository with its configuration, ignore rules and journal."""

    paths: RepoPaths
    config: Config
    ignore: PathFilter

    @classmethod
    def open(cls, path: Path | str | None = None) -> Project:
        paths = find_repo(path)
        ignore = PathFilter.from_file(paths.ignore_file) if paths.ignore_file else PathFilter()
        return cls(paths, load_config(paths), ignore)

    @cached_property
    def reader(self) -> GitReader:
        from devlogd.pipeline.gitread import GitReader  # pygit2 costs start-up time: on demand

        return GitReader(self.paths.workdir or self.paths.common_dir, self.config.git, self.ignore,
                         self.noise)

    @property
    def noise(self) -> NoiseFilter:
        return noise_filter(self.config.noise.classes)

    @property
    def journal(self) -> Journal:
        return Journal(self.paths.journal, self.paths.journal_lock)

    @property
    def rules(self) -> tuple[BeatRule, ...]:
        return tuple(self.config.beats.rules) + DEFAULT_RULES

    @property
    def folder_name(self) -> str:
        """The repository's folder, the last resort for naming the project."""
        name = (self.paths.workdir or self.paths.common_dir).name
        return name[:-4] if name.endswith(".git") else name
