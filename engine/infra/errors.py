"""Errors an admin sees when a file they wrote is wrong.

    DondocError                  anything dondoc reports to a user as a message, exit code 1
     ├── FileError               a problem at a place in a file: file:line:col: key.path: message
     │    └── FileErrors         several FileErrors found in one pass over a file
     └── WorkflowError           an action the task's state does not allow (done -> in_progress ...)
"""

from __future__ import annotations


class DondocError(Exception):
    """A message for the user; the CLI prints it and exits with code 1."""


class FileError(DondocError):
    """A problem at a place in an input file."""

    def __init__(self, file: str, message: str, line: int | None = None, col: int | None = None,
                 key_path: str | None = None, hint: str | None = None):
        self.file, self.line, self.col = file, line, col
        self.key_path, self.message, self.hint = key_path, message, hint
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.col is not None:
                where += f":{self.col}"
        text = f"{where}: "
        if self.key_path:
            text += f"{self.key_path}: "
        text += self.message
        if self.hint:
            text += f" ({self.hint})"
        return text


class FileErrors(DondocError):
    """All the problems found in one file, reported together so an admin fixes them in one go."""

    def __init__(self, errors: list[FileError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


class WorkflowError(DondocError):
    """A task action its current state does not allow."""
