"""`devlog check`: the seed's hard rules as code. Pure: text in, violations out."""

from __future__ import annotations

import re
from dataclasses import dataclass

from devlogd.story.style import ENDING_WORDS, FIRST_PERSON, GENERIC_HEADINGS, META_REFERENCES

REQUIRED_FRONT_MATTER = ("title", "date", "description", "tags", "published")


@dataclass(frozen=True)
class Violation:
    rule: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.rule}: {self.text}" if self.line else f"{self.rule}: {self.text}"


def _front_matter(lines: list[str]) -> tuple[dict[str, str], int]:
    if not lines or lines[0].strip() != "---":
        return {}, 0
    fields: dict[str, str] = {}
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return fields, index + 1
        key, sep, value = lines[index].partition(":")
        if sep and key.strip() and not key.startswith(" "):
            fields[key.strip()] = value.strip()
    return {}, 0


def _prose_lines(lines: list[str], start: int) -> list[tuple[int, str]]:
    """Lines outside code fences and front matter, with their 1-based numbers."""
    out: list[tuple[int, str]] = []
    fenced = False
    for number, line in enumerate(lines[start:], start=start + 1):
        if line.strip().startswith(("```", "~~~")):
            fenced = not fenced
            continue
        if not fenced:
            out.append((number, line))
    return out


def check_post(text: str) -> list[Violation]:
    lines = text.splitlines()
    violations: list[Violation] = []
    fields, body_start = _front_matter(lines)
    if not body_start:
        violations.append(Violation("front matter", 1, "the post must start with a --- front matter block"))
    else:
        for key in REQUIRED_FRONT_MATTER:
            if key not in fields:
                violations.append(Violation("front matter", 1, f"missing `{key}`"))
        if fields.get("title", "").strip("\"' ") == "":
            violations.append(Violation("title", 1, "the title is empty"))
    prose = _prose_lines(lines, body_start)
    for number, line in prose:
        stripped = re.sub(r"`[^`]*`", "", line)  # inline code names things; it is not narration
        for label, pattern in META_REFERENCES:
            match = pattern.search(stripped)
            if match:
                violations.append(Violation(label, number, match.group(0)))
    headings = [(n, l.lstrip("#").strip()) for n, l in prose if re.match(r"^#{2,6}\s", l)]
    for number, heading in headings:
        plain = re.sub(r"[*_`]", "", heading).strip()
        if GENERIC_HEADINGS.match(plain):
            violations.append(Violation("generic heading", number, heading))
    if len(headings) < 2:
        violations.append(Violation("structure", 0, "a post needs chapters: at least two ## headings"))
    body = "\n".join(l for _, l in prose)
    if len(FIRST_PERSON.findall(body)) < 3:
        violations.append(Violation("first person", 0, "tell it as I/we: first-person voice is missing"))
    tail = "\n".join(l for _, l in prose[-max(12, len(prose) // 4):])
    if not ENDING_WORDS.search(tail):
        violations.append(Violation("ending", 0, "the ending must say what was learned and what comes next"))
    return violations
