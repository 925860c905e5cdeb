#!/usr/bin/env python3
"""Every built-in pattern that reads repository content, against pathological inputs.

    bench/regex.py [--size N] [--top K]

Inputs are built as prefix + pump * n + suffix from the characters the patterns look for
(blanks after a constant, runs of dots, quoted words, nested separators...), the shapes
that make a backtracking engine retry work. Each pattern scans each input the way devlog
runs it (every match, as a scan does); the reference measured in the same run is a plain
pass over the same text (``len()`` of every line). Prints the worst cases and the
worst ratio, and how each grows when the input is 4x longer (4x is linear).
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "daemon"))

PREFIXES = ["", "#", "//", "/*", "--", '"""', "\n+", "\n-", "X_Y = 1", "\n+X_Y = 1", "\n+X_Y: ", "\n+def f", "\n+const a = ",
            "\n+export ", "v1.", "from 1 to ", "`", "feat", "Fixes: ", "(", "\n@@ -1 +1 @@ ",
            "\n+#define ABC ", "0a", "\n+X_Y = 1 * ", "by "]
PUMPS = [" ", "\t", ".", "a", "A", "_", "1", "-", ":", "=", '"', "'", '"token"', "!", "(", "a_", "A_",
         "/", "1.", "a ", "aA", ", ", "\n", "\n\n", " \n", "* 1", "x", "0a", "a1", "ab/", "#",
         "[", "]", "[]", "{", "<", "<a", "`", "*", "()", "# ", "// ", "a.", "a-", "a b"]
SUFFIXES = ["", "!", "\n", "=", "1a", ")"]


STAGES = ("devlogd.pipeline", "devlogd.story")  # every module that reads repository text
# Only these run on lines short enough that their length bounds the work whatever the pattern:
# pipeline.excerpts reads one changed line, and only lines of at most 300 characters.
SHORT_LINES_ONLY = {"excerpts"}


def stage_modules() -> list[Any]:
    """Every module of the stages, found by walking the packages: a new one is covered."""
    import importlib
    import pkgutil

    modules = []
    for stage in STAGES:
        package = importlib.import_module(stage)
        modules.append(package)
        for info in pkgutil.walk_packages(package.__path__, stage + "."):
            modules.append(importlib.import_module(info.name))
    return modules


def _patterns_in(value: Any, depth: int = 0) -> Iterator[tuple[str, re.Pattern[str]]]:
    """Compiled patterns in a module-level value: itself, or inside its tuples, lists, dicts,
    sets and dataclass fields (a rule table's rows), and in what a cached loader without
    arguments returns (a table read from a data file)."""
    if isinstance(value, re.Pattern):
        if isinstance(value.pattern, str):
            yield "", value
        return
    if hasattr(value, "cache_info") and callable(value) and depth == 0:
        value = _loaded_table(value)  # a data file's table, loaded once (the secret rules, the starters)
    if depth >= 5 or isinstance(value, (str, bytes, type)) or callable(value):
        return
    items: Iterable[tuple[str, Any]] = ()
    if isinstance(value, dict):
        items = ((f"[{k!r}]"[:30], v) for k, v in value.items())
    elif isinstance(value, (list, tuple, set, frozenset)):
        items = ((f"[{i}]", v) for i, v in enumerate(value))
    elif dataclasses.is_dataclass(value):
        items = ((f".{f.name}", getattr(value, f.name)) for f in dataclasses.fields(value))
    for key, item in items:
        for inner, pattern in _patterns_in(item, depth + 1):
            yield key + inner, pattern


def _loaded_table(function: Callable[..., Any]) -> Any:
    import inspect

    try:
        if any(p.default is p.empty for p in inspect.signature(function).parameters.values()):
            return None
        return function()
    except Exception:  # noqa: BLE001 - a loader that needs more than nothing is not a table
        return None


def builtin_patterns(short_lines: bool = False) -> dict[str, re.Pattern[str]]:
    """Every compiled pattern of the stages' modules (module-level or in their tables), and
    the default beat rules; ``short_lines``: those that only ever see a short line."""
    from devlogd.pipeline import beats

    found: dict[str, re.Pattern[str]] = {}
    seen: set[re.Pattern[str]] = set()
    for module in stage_modules():
        short = module.__name__.rsplit(".", 1)[-1] in SHORT_LINES_ONLY
        if short != short_lines:
            continue
        for name, value in vars(module).items():
            for inner, pattern in _patterns_in(value):
                if pattern not in seen:
                    seen.add(pattern)
                    found[f"{module.__name__.removeprefix('devlogd.')}.{name}{inner}"] = pattern
    if not short_lines:
        for rule in beats.DEFAULT_RULES:
            if rule.message is not None:
                found[f"rule {rule.kind} {rule.message[:24]}"] = re.compile(rule.message, re.IGNORECASE | re.MULTILINE)
    return found


def scan(pattern: re.Pattern[str], text: str) -> None:
    for _ in pattern.finditer(text):
        pass


def reference(text: str) -> None:
    sum(map(len, text.split("\n")))


def timed(fn: Callable[[], None], floor: float = 0.002) -> float:
    """Best of a few runs, each repeated until it lasts ``floor`` seconds."""
    best = float("inf")
    for _ in range(3):
        count, start = 0, time.perf_counter()
        while True:
            fn()
            count += 1
            elapsed = time.perf_counter() - start
            if elapsed >= floor or elapsed > 0.2:
                break
        best = min(best, elapsed / count)
    return best


Shape = tuple[str, str, str]  # prefix, pumped part, suffix


def shapes() -> list[Shape]:
    """Each prefix with each pump, the suffixes taken in turn (every suffix meets every pump
    and most prefixes; the full product is six times longer and finds nothing more)."""
    return [(prefix, pump, SUFFIXES[index % len(SUFFIXES)])
            for index, (prefix, pump) in enumerate(itertools.product(PREFIXES, PUMPS))]


def build(shape: Shape, size: int) -> str:
    prefix, pump, suffix = shape
    return prefix + pump * max(1, size // len(pump)) + suffix


def label(shape: Shape) -> str:
    prefix, pump, suffix = shape
    return f"{prefix!r} + {pump!r}*n + {suffix!r}"


def worst(size: int, top: int) -> list[tuple[float, float, float, str, Shape]]:
    """The slowest (pattern, input) pairs at ``size``: ratio to the reference, seconds,
    growth when the input is 4x longer, pattern name, input shape."""
    patterns = builtin_patterns()
    screened: list[tuple[float, str, Shape]] = []
    for shape in shapes():  # a quick pass at two small sizes finds the candidates
        short, longer = build(shape, size // 16), build(shape, size // 4)
        for name, pattern in patterns.items():
            start = time.perf_counter()
            scan(pattern, short)
            middle = time.perf_counter()
            scan(pattern, longer)
            end = time.perf_counter()
            # What grows faster than the input first, then what is slowest outright.
            screened.append((max(end - middle, 1e-5) / max(middle - start, 1e-5) + (end - middle) * 1000,
                             name, shape))
    screened.sort(reverse=True)
    results = []
    for _, name, shape in screened[: top * 3]:
        small, text = build(shape, size // 4), build(shape, size)
        seconds = timed(lambda: scan(patterns[name], text))
        growth = seconds / timed(lambda: scan(patterns[name], small))
        base = timed(lambda: reference(text))
        results.append((seconds / base, seconds, growth, name, shape))
    results.sort(reverse=True)
    return results[:top]


HUGE_PARTS = ("# " + " ", "[", ".", '"', "(", "a ")  # a comment padded with blanks, brackets, dots, quotes...


def huge_line(size: int) -> str:
    """One line of ``size`` characters made of long runs of each hostile part in turn."""
    share = size // len(HUGE_PARTS)
    return "".join(part[0] + part[1:] * (share // max(1, len(part) - 1)) if part.startswith("# ") else part * (share // len(part))
                   for part in HUGE_PARTS)


def huge(size: int, patterns: dict[str, re.Pattern[str]], top: int) -> list[tuple[float, float, float, str]]:
    """Every pattern over one line of ``size`` characters (a minified file, a data dump);
    the slowest ``top`` again over a quarter of it, for their growth. (ratio to a plain
    pass, seconds, growth for 4x the input, pattern name), slowest first."""
    text = huge_line(size)
    base = timed(lambda: reference(text), floor=0.0)
    times = []
    for name, pattern in patterns.items():
        start = time.perf_counter()
        scan(pattern, text)
        times.append((time.perf_counter() - start, name))
    times.sort(reverse=True)
    quarter = huge_line(size // 4)
    results = []
    for seconds, name in times[:top]:
        start = time.perf_counter()
        scan(patterns[name], quarter)
        results.append((seconds / base, seconds, seconds / max(time.perf_counter() - start, 1e-6), name))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=4000, help="characters in the pumped part")
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--huge", type=int, default=5_000_000, help="characters of the one-line input (0: skip)")
    args = parser.parse_args(argv)
    modules = stage_modules()
    print(f"{len(builtin_patterns())} patterns from {len(modules)} modules of {' and '.join(STAGES)} "
          f"(+{len(builtin_patterns(short_lines=True))} that only see lines of at most 300 characters) x "
          f"{len(shapes())} pathological inputs of ~{args.size:,} characters")
    results = worst(args.size, args.top)
    print(f"{'ratio':>9}  {'time':>9}  {'x4 input':>8}  pattern / input")
    for ratio, seconds, growth, name, shape in results:
        print(f"{ratio:8.1f}x  {seconds * 1000:6.2f} ms  {growth:7.1f}x  {name[:36]:36s} {label(shape)[:50]}")
    ratio, seconds, growth, name, shape = results[0]
    print(f"worst: {ratio:.1f}x a plain pass over the same text ({seconds * 1000:.2f} ms; {growth:.1f}x "
          f"for a 4x longer input), {name} on {label(shape)}")
    if args.huge:
        found = huge(args.huge, builtin_patterns(), args.top)
        print(f"one line of {args.huge:,} characters (runs of {', '.join(repr(p) for p in HUGE_PARTS)}) x "
              f"{len(builtin_patterns())} patterns, slowest:")
        for ratio, seconds, growth, name in found:
            print(f"{ratio:8.1f}x  {seconds * 1000:6.0f} ms  {growth:7.1f}x  {name}")
        ratio, seconds, growth, name = found[0]
        print(f"worst on one {args.huge:,}-character line: {ratio:.1f}x a plain pass ({seconds:.2f} s; {growth:.1f}x "
              f"for a 4x longer line), {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
