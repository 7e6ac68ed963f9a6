"""An account operation refused, with the reason in Chinese and English (the command line prints both)."""
from __future__ import annotations


class AccountError(Exception):
    def __init__(self, message_zh: str, message_en: str):
        self.message_zh, self.message_en = message_zh, message_en
        super().__init__(message_en)

    def render(self) -> str:
        return f"错误：{self.message_zh}\nerror: {self.message_en}"
