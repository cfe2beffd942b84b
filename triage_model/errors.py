"""Errors the triage package raises, with machine-readable codes for the JSON-lines contract."""

#: Polite Chinese wording of each input error, for callers that show it to a shopper.
MESSAGES_ZH = {
    "empty_text": "消息是空的，请描述一下您遇到的问题。",
    "text_too_long": "消息太长了，请精简到 2000 字以内再发送，谢谢。",
    "no_words": "没有看到文字内容，请用文字描述一下您遇到的问题。",
    "not_text": "内容需要是文字，请重新输入。",
    "invalid_json": "这一行不是有效的 JSON，请检查格式。",
    "missing_text": "缺少 text 字段，请提供要分析的文字。",
}


class InvalidText(ValueError):
    """The text cannot be classified (empty, too long, no words). ``code`` names the reason."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    @property
    def message_zh(self) -> str:
        return MESSAGES_ZH.get(self.code, "无法识别这条消息，请换一种说法再试。")

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "message_zh": self.message_zh}


class ArtefactError(RuntimeError):
    """A model artefact is missing or unreadable."""


class ArtefactVersionError(ArtefactError):
    """An artefact was trained with other library versions; pickles across versions are unsafe."""
