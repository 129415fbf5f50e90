"""Config errors as a technician reads them: ``FILE:LINE: key.path: message``."""
from __future__ import annotations

import dataclasses
from typing import Iterable, List, Optional, Sequence, Tuple


@dataclasses.dataclass(frozen=True)
class ConfigIssue:
    """One problem in a config file. ``line`` is 1-based; None when not tied to a line."""

    file: str
    line: Optional[int]
    path: str
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class ConfigError(Exception):
    """Every problem found in one config file; ``str()`` gives one line per problem."""

    def __init__(self, issues: Iterable[ConfigIssue]) -> None:
        # Stable, file order: the technician fixes the file top to bottom.
        self.issues: List[ConfigIssue] = sorted(issues, key=lambda i: (i.line or 0, i.path))
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(issue) for issue in self.issues)


class FieldError(ValueError):
    """Raised by a settings dataclass's ``__post_init__`` to blame keys, not the whole section.

    ``problems`` are (key path relative to the section, dotted into sub-sections; message):
    the validator reports each at the line of that key, or of the section when it is not given.
    """

    def __init__(self, problems: Sequence[Tuple[str, str]]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(f"{key}: {message}" for key, message in self.problems))


def raise_problems(problems: Sequence[Tuple[str, str]]) -> None:
    """``__post_init__`` helper: raise every (key, message) problem at once, if there is any."""
    if problems:
        raise FieldError(problems)
