"""Reading a request through :mod:`handoff.gateway.shapes`, for the views.

Each helper returns the typed value or raises :class:`RefusedRequest`, an HTTP 4xx whose JSON
body carries the code and the Chinese message (see :meth:`Refusal.body`).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel

from handoff.gateway.shapes import (
    BAD_REQUEST,
    MAX_JSON_BODY_BYTES,
    TOO_LONG,
    Refusal,
    parse_json,
    parse_mapping,
)

T = TypeVar("T")
ShapeT = TypeVar("ShapeT", bound=BaseModel)


class RefusedRequest(web.HTTPClientError):
    """A 4xx built from a :class:`Refusal`."""

    def __init__(self, refusal: Refusal, headers: dict[str, str] | None = None) -> None:
        self.status_code = refusal.status
        super().__init__(
            text=json.dumps(refusal.body(), ensure_ascii=False),
            content_type="application/json",
            headers=headers,
        )


def _value(result: T | Refusal) -> T:
    if isinstance(result, Refusal):
        raise RefusedRequest(result)
    return result


async def json_body(request: web.Request, shape: type[ShapeT]) -> ShapeT:
    """The request's JSON body as ``shape``."""
    if (request.content_length or 0) > MAX_JSON_BODY_BYTES:
        raise RefusedRequest(TOO_LONG)
    try:
        raw = await request.read()
    except (web.HTTPException, ValueError, asyncio.IncompleteReadError):
        raise RefusedRequest(BAD_REQUEST) from None
    return _value(parse_json(shape, raw))


def query(request: web.Request, shape: type[ShapeT]) -> ShapeT:
    """The query string as ``shape``."""
    return _value(parse_mapping(shape, request.query))


def path_and_query(request: web.Request, shape: type[ShapeT]) -> ShapeT:
    """Path parameters and query values together as ``shape`` (the path wins)."""
    values: dict[str, Any] = {**request.query, **request.match_info}
    return _value(parse_mapping(shape, values))


async def form(request: web.Request, shape: type[ShapeT]) -> ShapeT:
    """A url-encoded or multipart form's fields as ``shape``."""
    try:
        fields = await request.post()
    except (ValueError, AssertionError, LookupError, asyncio.IncompleteReadError):
        raise RefusedRequest(BAD_REQUEST) from None
    return _value(parse_mapping(shape, fields))
