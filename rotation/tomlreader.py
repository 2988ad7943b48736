"""The reader of a team file's TOML tables: finds each key's line (`tomllib` keeps none) and
collects every problem, so a file is reported whole (`TeamFileError`) and never half-read.

It sits below everything that reads a table of the file (`rotation.teamfile` for the team,
members and time off, `rotation.teamdays` for its days, `rotation.notify` for the reminder
settings).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from rotation.errors import RotationError

CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Problem:
    line: int | None
    reason: str


class TeamFileError(RotationError):
    """A team file that cannot be loaded; `problems` holds every reason with its line."""

    def __init__(self, path: str, problems: list[Problem]) -> None:
        self.path = path
        self.problems = problems
        super().__init__("\n".join(self.lines()))

    def lines(self) -> Iterator[str]:
        for problem in self.problems:
            where = f"{self.path}:{problem.line}" if problem.line else self.path
            yield f"{where}: {problem.reason}"


class TeamFilesError(RotationError):
    """Several team files (or files that disagree with each other) that cannot be loaded."""

    def __init__(self, errors: list[TeamFileError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(error) for error in errors))


class Lines:
    """Finds the line of a key in a TOML text: `tomllib` keeps no positions.

    It scans table headers and `key =` lines; good enough to point a person at the right line.
    """

    _HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.-]+)\s*\]\]?")
    _KEY = re.compile(r"""^\s*("[^"]*"|'[^']*'|[A-Za-z0-9_-]+)\s*=""")

    def __init__(self, text: str) -> None:
        self.tables: dict[tuple[str, int], int] = {}
        self.keys: dict[tuple[str, int, str], int] = {}
        counts: dict[str, int] = {}
        table, index = "", 0
        for number, line in enumerate(text.splitlines(), start=1):
            if header := self._HEADER.match(line):
                table = header.group(2)
                index = counts.get(table, 0)
                counts[table] = index + 1 if header.group(1) == "[[" else 1
                self.tables[(table, index)] = number
            elif key := self._KEY.match(line):
                self.keys.setdefault((table, index, key.group(1).strip("\"'")), number)

    def of(self, table: str, index: int = 0, key: str | None = None) -> int | None:
        if key is not None and (table, index, key) in self.keys:
            return self.keys[(table, index, key)]
        if not table and key is not None:  # a top-level name is a key or a table header
            return self.tables.get((key, 0))
        return self.tables.get((table, index))


T = TypeVar("T")


class Reader:
    """Collects problems while reading one file, so all of them are reported together."""

    def __init__(self, text: str) -> None:
        self.lines = Lines(text)
        self.problems: list[Problem] = []

    def fail(self, table: str, index: int, key: str | None, reason: str) -> None:
        self.problems.append(Problem(self.lines.of(table, index, key), reason))

    def check_keys(self, table: str, index: int, data: dict[str, Any], allowed: set[str]) -> None:
        for key in sorted(set(data) - allowed):
            self.fail(table, index, key, f"[{table}]: unknown key {key!r}")

    def typed(
        self,
        table: str,
        index: int,
        data: dict[str, Any],
        key: str,
        kind: type[T] | tuple[type, ...],
        what: str,
        *,
        required: bool = True,
    ) -> Any:
        if key not in data:
            if required:
                self.fail(table, index, None, f"[{table}]: missing {key!r} ({what})")
            return None
        value = data[key]
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            self.fail(table, index, key, f"{key}: expected {what}, got {value!r}")
            return None
        if isinstance(value, str) and CONTROL.search(value):
            self.fail(table, index, key, f"{key}: control characters are not allowed: {value!r}")
            return None
        return value

    def attempt(self, table: str, index: int, key: str, build: Callable[[], T]) -> T | None:
        try:
            return build()
        except RotationError as exc:
            self.fail(table, index, key, str(exc))
            return None
