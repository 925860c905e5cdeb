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
import itertools
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "daemon"))

PREFIXES = ["", "\n+", "\n-", "X_Y = 1", "\n+X_Y = 1", "\n+X_Y: ", "\n+def f", "\n+const a = ",
            "\n+export ", "v1.", "from 1 to ", "`", "feat", "Fixes: ", "(", "\n@@ -1 +1 @@ ",
            "\n+#define ABC ", "0a", "\n+X_Y = 1 * ", "by "]
PUMPS = [" ", "\t", ".", "a", "A", "_", "1", "-", ":", "=", '"', "'", '"token"', "!", "(", "a_", "A_",
         "/", "1.", "a ", "aA", ", ", "\n", "\n\n", " \n", "* 1", "x", "0a", "a1", "ab/", "#"]
SUFFIXES = ["", "!", "\n", "=", "1a", ")"]


def builtin_patterns() -> dict[str, re.Pattern[str]]:
    """The patterns devlog runs over commit messages, diffs, paths and drafts."""
    # Not pipeline.excerpts: its patterns read one changed line, and only lines of at most
    # 300 characters (longer ones are minified code or data, never excerpted).
    from devlogd.pipeline import beats, extract, manifests, reasons
    from devlogd.story import checker, escape, identity, material, prompt, relations, sources, style
    from devlogd.story.narrators import offline
    from devlogd.story.narrators.offline import english, lexicon, telling

    found: dict[str, re.Pattern[str]] = {}
    for module in (extract, beats, manifests, reasons, style, prompt, checker, escape, identity,
                   material, relations, sources, offline, english, lexicon, telling):
        for name, value in vars(module).items():
            if isinstance(value, re.Pattern):
                found[f"{module.__name__.rsplit('.', 1)[-1]}.{name}"] = value
    for label, pattern in style.META_REFERENCES:
        found[f"style.{label}"] = pattern
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
    return list(itertools.product(PREFIXES, PUMPS, SUFFIXES))


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=4000, help="characters in the pumped part")
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args(argv)
    print(f"{len(builtin_patterns())} patterns x {len(shapes())} pathological inputs of ~{args.size:,} characters")
    results = worst(args.size, args.top)
    print(f"{'ratio':>9}  {'time':>9}  {'x4 input':>8}  pattern / input")
    for ratio, seconds, growth, name, shape in results:
        print(f"{ratio:8.1f}x  {seconds * 1000:6.2f} ms  {growth:7.1f}x  {name[:36]:36s} {label(shape)[:50]}")
    ratio, seconds, growth, name, shape = results[0]
    print(f"worst: {ratio:.1f}x a plain pass over the same text ({seconds * 1000:.2f} ms; {growth:.1f}x "
          f"for a 4x longer input), {name} on {label(shape)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
