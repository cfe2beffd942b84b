"""The gateway's access matrix (issue 9): every route × every caller → allowed or refused.

The table is the specification; the test runs each cell against the real app on a temporary
database. The ports around the gateway (Rasa, the action server) are in
``tests/e2e/test_e2e_access.py``. "allowed" means the caller got past authentication (the
answer may still be a 404 or 409 about the data); "refused" means a 401/403, a redirect to
the login page, or (photos, someone else's conversation) nothing of the other person's.
"""

from __future__ import annotations

import re
from typing import Any

import aiohttp
import pytest

from handoff import agents as agent_store
from handoff.chat_models import Agent
from handoff.db import make_session_factory, prepare_database, transaction
from handoff.gateway.identity import Identity
from tests.gateway.conftest import GatewayClient, receive_until, shopper_query

CALLERS = ("nobody", "anonymous", "shopper_a", "shopper_b", "agent", "logged_out_agent")
A, B = "shopper-1001", "shopper-1002"
#: Which callers each route lets in. Everything not listed is refused.
MATRIX: dict[str, set[str]] = {
    "GET /": set(CALLERS),  # the public demo storefront
    "WS /ws: A's history": {"shopper_a"},
    "GET /attachments/<A's photo> (no token)": {"agent"},
    "GET /attachments/<A's photo>?t=<token>": set(CALLERS),  # the URL is the capability
    "GET /agent": {"agent"},
    "GET /agent/api/queue": {"agent"},
    "POST /agent/api/claim": {"agent"},
    "GET /agent/api/conversations/<A>": {"agent"},
    "POST /agent/api/conversations/<A>/reply": {"agent"},
    "POST /agent/api/conversations/<A>/note": {"agent"},
    "WS /agent/ws": {"agent"},
}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _tokens(db_url: str) -> tuple[str, str]:
    """A live session token for alice and a logged-out one for bob."""
    engine = prepare_database(db_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            alice = agent_store.find_agent(session, "alice")
            bob = agent_store.find_agent(session, "bob")
            assert isinstance(alice, Agent) and isinstance(bob, Agent)
            live = agent_store.start_session(session, alice)
            ended = agent_store.start_session(session, bob)
            agent_store.end_session(session, ended)
        return live, ended
    finally:
        engine.dispose()


async def _setup(client: GatewayClient) -> dict[str, Any]:
    """Shopper A chats, asks for a human and uploads a photo; B and an anonymous visitor exist."""
    async with client.ws_connect(f"/ws?{shopper_query(A)}") as ws:
        await ws.send_json({"type": "message", "client_id": "a1", "text": "秘密：转人工"})
        await receive_until(ws, lambda f: f["type"] == "ack")
    form = aiohttp.FormData()
    form.add_field("photo", PNG, filename="p.png", content_type="image/png")
    uploaded = await (await client.post(f"/api/upload?{shopper_query(A)}", data=form)).json()
    async with client.ws_connect("/ws") as ws:
        anon = (await receive_until(ws, lambda f: f["type"] == "welcome"))["anon"]
    return {"photo": uploaded, "anon": anon, "cid": Identity(A, anonymous=False).conversation_id}


def _credentials(caller: str, state: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """The query string and headers a caller sends."""
    cookie = {
        "agent": {"Cookie": f"handoff_session={state['live']}"},
        "logged_out_agent": {"Cookie": f"handoff_session={state['ended']}"},
    }.get(caller, {})
    query = {
        "anonymous": f"anon={state['anon']}",
        "shopper_a": shopper_query(A),
        "shopper_b": shopper_query(B),
    }.get(caller, "")
    return query, cookie


async def _allowed(client: GatewayClient, route: str, caller: str, state: dict[str, Any]) -> bool:
    query, headers = _credentials(caller, state)
    cid, photo = state["cid"], state["photo"]
    photo_path = photo["url"].split("?")[0]
    client.session.cookie_jar.clear()
    if route.startswith("WS /ws"):
        async with client.ws_connect(f"/ws?{query}", headers=headers) as ws:
            history = await receive_until(ws, lambda f: f["type"] == "history")
        return any("秘密" in m["text"] for m in history["messages"])
    if route == "WS /agent/ws":
        try:
            async with client.ws_connect("/agent/ws", headers=headers):
                return True
        except aiohttp.WSServerHandshakeError as refused:
            assert refused.status == 401
            return False
    method, path = route.split(" ", 1)
    path = path.replace("<A>", cid).replace("<A's photo>", photo_path.rsplit("/", 1)[1])
    path = re.sub(r" \(.*\)$", "", path).replace("<token>", photo["url"].split("t=")[1])
    body: dict[str, Any] = {"entry_id": 1} if path.endswith("claim") else {"text": "好的"}
    if method == "GET":
        response = await client.get(path, headers=headers, allow_redirects=False)
    else:
        response = await client.post(path, json=body, headers=headers, allow_redirects=False)
    if response.status in {401, 403}:
        return False
    if response.status == 302:
        return not response.headers["Location"].startswith("/agent/login")
    if path.startswith("/attachments/"):
        return response.status == 200 and (await response.read()) == PNG
    return True


@pytest.mark.asyncio
@pytest.mark.parametrize("route", list(MATRIX))
async def test_access_matrix(client: GatewayClient, db_url: str, route: str) -> None:
    state = await _setup(client)
    state["live"], state["ended"] = _tokens(db_url)
    got = {caller: await _allowed(client, route, caller, state) for caller in CALLERS}
    expected = {caller: caller in MATRIX[route] for caller in CALLERS}
    assert got == expected
