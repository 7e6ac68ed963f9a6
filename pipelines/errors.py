"""File-level errors: a file that cannot be read at all stops the run before anything is written."""
from __future__ import annotations


class FileError(Exception):
    """A whole file cannot be ingested. The message names the file, what is wrong and what to do."""

    def __init__(self, file: str, problem_zh: str, problem_en: str, action_zh: str, action_en: str):
        self.file = file
        self.problem_zh, self.problem_en = problem_zh, problem_en
        self.action_zh, self.action_en = action_zh, action_en
        super().__init__(f"{file}: {problem_en} — {action_en}")

    def render(self) -> str:
        return (
            f"文件 / file: {self.file}\n"
            f"  问题: {self.problem_zh}\n  problem: {self.problem_en}\n"
            f"  处理: {self.action_zh}\n  action: {self.action_en}"
        )
