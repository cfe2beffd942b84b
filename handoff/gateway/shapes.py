"""The gateway's one validation layer: every HTTP body, query value and WebSocket frame that
comes from outside is parsed here, against a declared shape (pydantic v2), before a view
sees it.

Views receive typed, bounded values or a :class:`Refusal` (a 4xx status, a code and a kind
Chinese message); they never parse by hand and cannot raise on user input. Limits:

- texts are cleaned first (:mod:`handoff.text_hygiene`: control and bidi characters removed,
  NFC), then refused over :data:`MAX_TEXT_CHARS`, with a message that says the limit (never a
  silent cut);
- ids are integers from 1 (or 0 for "after") to 2**53, so no database driver overflows;
- a frame or body is at most :data:`MAX_FRAME_CHARS`; JSON nesting is bounded by the parser
  (pydantic-core refuses deep nesting as invalid JSON, no RecursionError);
- strings in shapes that are not texts (ids, signatures, names) have short maximum lengths.

Unknown fields are ignored, so a newer widget's extra fields do not break an older gateway.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Final, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    RootModel,
    StrictInt,
    StrictStr,
    TypeAdapter,
    ValidationError,
)
from pydantic_core import PydanticCustomError

from handoff.messages import MAX_TEXT_CHARS
from handoff.text_hygiene import clean_text

MAX_ID: Final = 2**53
MAX_FRAME_CHARS: Final = 64 * 1024
MAX_JSON_BODY_BYTES: Final = 64 * 1024

TOO_LONG_ZH: Final = f"消息太长了：每条最多 {MAX_TEXT_CHARS} 个字，请分几条发送。"
BAD_REQUEST_ZH: Final = "请求的格式不正确，请刷新页面后再试。"
BAD_FRAME_ZH: Final = "收到一条无法识别的消息，已忽略。请刷新页面后再试。"
EMPTY_ZH: Final = "消息不能为空。"
T = TypeVar("T")


def _bounded_text(value: str) -> str:
    text = clean_text(value).strip()
    if len(text) > MAX_TEXT_CHARS:
        raise PydanticCustomError("too_long", TOO_LONG_ZH, {"limit": MAX_TEXT_CHARS})
    return text


#: Something a person typed: cleaned, stripped, at most MAX_TEXT_CHARS (may be empty).
TypedText = Annotated[
    StrictStr, Field(max_length=MAX_TEXT_CHARS * 4), AfterValidator(_bounded_text)
]
Id = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]
AfterId = Annotated[StrictInt, Field(ge=0, le=MAX_ID)]
Short = Annotated[StrictStr, Field(max_length=128)]
Token = Annotated[StrictStr, Field(max_length=256)]


class Shape(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


# ---------------------------------------------------------------- shopper WebSocket frames


class HelloFrame(Shape):
    """Protocol v2's first frame: the credentials, out of the URL (README "Identity frame")."""

    type: Literal["hello"]
    shopper: Annotated[StrictStr, Field(max_length=64)] = ""
    sig: Token = ""
    anon: Token = ""
    #: The id of the last message the widget showed (previous releases); ``after_seq``,
    #: when above 0, wins: the number (``seq``) of the last message shown.
    after: AfterId = 0
    after_seq: AfterId = 0


class TypingFrame(Shape):
    type: Literal["typing"]


class MessageFrame(Shape):
    """A shopper's message: text and/or a photo; ``display`` is a quick reply's title."""

    type: Literal["message"]
    client_id: Annotated[StrictStr, Field(max_length=64)] | None = None
    text: TypedText = ""
    attachment_id: Id | None = None
    display: TypedText | None = None


ShopperFrame = Annotated[HelloFrame | TypingFrame | MessageFrame, Field(discriminator="type")]
_SHOPPER_FRAME: Final = TypeAdapter(ShopperFrame)


class ShopperQuery(Shape):
    """``/ws`` and ``/api/upload`` query: v1 credentials (previous widget), ``after``, ``v``."""

    shopper: Annotated[str, Field(max_length=64)] = ""
    sig: Annotated[str, Field(max_length=256)] = ""
    anon: Annotated[str, Field(max_length=256)] = ""
    after: Annotated[int, Field(ge=0, le=MAX_ID)] = 0
    after_seq: Annotated[int, Field(ge=0, le=MAX_ID)] = 0
    #: 2: the credentials come in a first ``hello`` frame (or, for uploads, in headers).
    v: Annotated[int, Field(ge=1, le=9)] = 1


# ---------------------------------------------------------------- agent side


class WatchFrame(Shape):
    type: Literal["watch"]
    conversation_id: Annotated[StrictStr, Field(max_length=128)] | None = None
    after: AfterId = 0
    after_seq: AfterId = 0


class AgentTypingFrame(Shape):
    type: Literal["typing"]


AgentFrame = Annotated[WatchFrame | AgentTypingFrame, Field(discriminator="type")]
_AGENT_FRAME: Final = TypeAdapter(AgentFrame)


class AnyObject(RootModel[dict[str, Any]]):
    """Any JSON object (views that read their fields themselves); size and depth bounded."""


class ClaimBody(Shape):
    entry_id: Id


class TextBody(Shape):
    """``reply`` and ``note``."""

    text: TypedText


class CorrectBody(Shape):
    category: Short | None = None
    urgency: Short | None = None


class StatusBody(Shape):
    status: Short


class TransferBody(Shape):
    to: Short


class ResolveBody(Shape):
    resolution: Short | None = None
    note: TypedText | None = None


class LoginForm(Shape):
    name: Annotated[str, Field(max_length=64)] = ""
    password: Annotated[str, Field(max_length=256)] = ""


class AttachmentPath(Shape):
    attachment_id: Annotated[int, Field(ge=1, le=MAX_ID)]
    t: Annotated[str, Field(max_length=64)] = ""


# ---------------------------------------------------------------- parsing


@dataclass(frozen=True)
class Refusal:
    """Why an input is refused: HTTP status, a code for programs, a message for people."""

    status: int
    code: str
    message_zh: str
    limit: int | None = None

    def body(self) -> dict[str, Any]:
        """The JSON answer: ``error`` carries the Chinese text too (the previous widget
        and console show ``error``)."""
        body: dict[str, Any] = {
            "error": self.message_zh,
            "code": self.code,
            "message_zh": self.message_zh,
        }
        if self.limit is not None:
            body["limit"] = self.limit
        return body

    def frame(self, client_id: str | None = None) -> dict[str, Any]:
        """The WebSocket error frame: ``message`` is what the previous widget shows."""
        frame: dict[str, Any] = {
            "type": "error",
            "code": self.code,
            "client_id": client_id,
            "message": self.message_zh,
            "message_zh": self.message_zh,
        }
        if self.limit is not None:
            frame["limit"] = self.limit
        return frame


TOO_LONG: Final = Refusal(413, "too_long", TOO_LONG_ZH, MAX_TEXT_CHARS)
BAD_REQUEST: Final = Refusal(400, "bad_request", BAD_REQUEST_ZH)
BAD_FRAME: Final = Refusal(400, "bad_frame", BAD_FRAME_ZH)


def _refusal(error: ValidationError, default: Refusal) -> Refusal:
    for detail in error.errors():
        if detail.get("type") == "too_long":
            return TOO_LONG
    return default


def _client_id(raw: str | bytes) -> str | None:
    """The ``client_id`` of a refused frame, when it has a readable one (for the widget)."""
    try:
        probe = _CLIENT_ID_PROBE.validate_json(raw)
    except ValidationError:
        return None
    return probe.client_id


class _ClientIdProbe(BaseModel):
    model_config = ConfigDict(extra="ignore")
    client_id: Annotated[StrictStr, Field(max_length=64)] | None = None


_CLIENT_ID_PROBE: Final = TypeAdapter(_ClientIdProbe)


@dataclass(frozen=True)
class FrameRefusal:
    """A refused frame and the client id to answer it under."""

    refusal: Refusal
    client_id: str | None


def parse_shopper_frame(raw: str | bytes) -> HelloFrame | TypingFrame | MessageFrame | FrameRefusal:
    """A shopper frame, or why not."""
    if len(raw) > MAX_FRAME_CHARS:
        return FrameRefusal(TOO_LONG, None)
    try:
        return _SHOPPER_FRAME.validate_json(raw)
    except ValidationError as error:
        return FrameRefusal(_refusal(error, BAD_FRAME), _client_id(raw))


def parse_agent_frame(raw: str | bytes) -> WatchFrame | AgentTypingFrame | FrameRefusal:
    """An agent-console frame, or why not."""
    if len(raw) > MAX_FRAME_CHARS:
        return FrameRefusal(TOO_LONG, None)
    try:
        return _AGENT_FRAME.validate_json(raw)
    except ValidationError as error:
        return FrameRefusal(_refusal(error, BAD_FRAME), _client_id(raw))


ShapeT = TypeVar("ShapeT", bound=BaseModel)


def parse_json(shape: type[ShapeT], raw: bytes) -> ShapeT | Refusal:
    """A JSON body against ``shape``."""
    if len(raw) > MAX_JSON_BODY_BYTES:
        return TOO_LONG
    try:
        return shape.model_validate_json(raw)
    except ValidationError as error:
        return _refusal(error, BAD_REQUEST)


def parse_mapping(shape: type[ShapeT], values: Mapping[str, Any]) -> ShapeT | Refusal:
    """Query values, path values or a form against ``shape`` (strings, converted by it)."""
    try:
        return shape.model_validate({k: values[k] for k in values if isinstance(k, str)})
    except ValidationError as error:
        return _refusal(error, BAD_REQUEST)
