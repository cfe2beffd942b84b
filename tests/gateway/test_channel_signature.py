"""The gateway's signer and the Rasa side's verifier (stdlib only) agree, and the verifier
refuses what it must (issue 9, finding 2)."""

from __future__ import annotations

import time

import pytest

from handoff.gateway.channel_signature import channel_signature
from rasa_extensions.channel_auth import MAX_TEXT_CHARS, Refused, parse_body, signature_valid

BODY = '{"sender": "s-1", "message": "你好", "metadata": {"shopper_id": "a"}}'.encode()


def test_the_gateways_signature_is_accepted() -> None:
    assert signature_valid("k", channel_signature("k", BODY), BODY)


@pytest.mark.parametrize(
    "header",
    [
        "",
        "t=abc,v1=00",
        channel_signature("other", BODY),
        channel_signature("k", BODY, time.time() - 3600),
        channel_signature("k", BODY, time.time() + 3600),
        channel_signature("k", BODY + b" "),
        "t=1,v1=\udce9",  # what Sanic makes of a non-ASCII header
        "t=99999999999999999999,v1=00",
    ],
)
def test_anything_else_is_refused(header: str) -> None:
    assert not signature_valid("k", header, BODY)


def test_no_secret_refuses_everything() -> None:
    assert not signature_valid("", channel_signature("", BODY), BODY)


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"[1]", 400),
        (b"not json", 400),
        (b"[" * 100_000, 413),
        (b'{"sender": 1, "message": "x"}', 400),
        (b'{"sender": "s", "message": null}', 400),
        (b'{"sender": "s", "message": "x", "metadata": [1]}', 400),
        (('{"sender": "s", "message": "' + "长" * (MAX_TEXT_CHARS + 1) + '"}').encode(), 413),
    ],
)
def test_bad_bodies_are_refused_with_a_status(body: bytes, status: int) -> None:
    with pytest.raises(Refused) as refused:
        parse_body(body)
    assert refused.value.status == status and refused.value.message_zh


def test_a_good_body_is_parsed() -> None:
    message = parse_body(BODY)
    assert (message.sender, message.text, message.metadata) == ("s-1", "你好", {"shopper_id": "a"})
