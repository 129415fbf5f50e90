"""Config errors as a technician reads them: ``FILE:LINE: key.path: message``."""
from __future__ import annotations

import dataclasses
from typing import Iterable, List, Optional


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
