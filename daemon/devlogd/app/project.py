"""One repository as the use cases see it: where it is, its configuration, its ignore
rules, its journal, and (loaded on demand) its git reader."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from devlogd.config import BeatRule, Config, load_config
from devlogd.paths import RepoPaths, config_home, find_repo
from devlogd.pipeline.beats import DEFAULT_RULES
from devlogd.pipeline.ignore import PathFilter
from devlogd.pipeline.journal import Journal
from devlogd.pipeline.noise import NoiseFilter, noise_filter

if TYPE_CHECKING:
    from devlogd.pipeline.gitread import GitReader


Stamp = tuple[tuple[int, int, int] | None, ...]


@dataclass
class Project:
    """One repository with its configuration, ignore rules and journal."""

    paths: RepoPaths
    config: Config
    ignore: PathFilter
    config_stamp: Stamp = ()

    @classmethod
    def open(cls, path: Path | str | None = None) -> Project:
        paths = find_repo(path)
        ignore = PathFilter.from_file(paths.ignore_file) if paths.ignore_file else PathFilter()
        stamp = config_stamp(paths)  # taken before reading: a change while reading is seen next time
        return cls(paths, load_config(paths), ignore, stamp)

    def reload_config(self) -> bool:
        """Read both config files again if either changed since they were read (a stat of
        each: cheap enough for every request). True when the configuration was replaced;
        ConfigError, every time it is asked until the file is fixed, when one is broken."""
        stamp = config_stamp(self.paths)
        if stamp == self.config_stamp:
            return False
        fresh = load_config(self.paths)
        if fresh.git != self.config.git:
            self.__dict__.pop("reader", None)  # the git reader was built with the old [git]
        self.config, self.config_stamp = fresh, stamp
        return True

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


def config_stamp(paths: RepoPaths) -> Stamp:
    """What identifies the contents of the two config files without reading them."""
    files = [config_home() / "config.toml"] + ([paths.config_file] if paths.config_file else [])
    stamps: list[tuple[int, int, int] | None] = []
    for file in files:
        try:
            info = file.stat()
        except OSError:
            stamps.append(None)
        else:
            stamps.append((info.st_mtime_ns, info.st_size, info.st_ino))
    return tuple(stamps)
