"""Agents of the console: salted scrypt passwords, login sessions, presence.

Passwords are hashed with :func:`hashlib.scrypt` (memory-hard, in the standard library) and
compared in constant time. A login session is a random token in an HttpOnly cookie; the
database keeps only its SHA-256, so a leaked database cannot be replayed as a cookie.
Presence on one machine (``last_seen_at``, ``make run``) lives in the database too, so every
process on the SQLite file can tell a shopper honestly whether anyone is online; with Redis
it is a Redis key instead (``handoff.presence``).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from handoff.chat_models import Agent, AgentSession
from handoff.clock import as_utc, utc_now
from handoff.roles import ROLES, set_roles

SCRYPT_N: Final = 2**14
SCRYPT_R: Final = 8
SCRYPT_P: Final = 1
SESSION_LIFETIME: Final = timedelta(hours=12)
#: An agent whose console has not reported for this long counts as offline.
PRESENCE_WINDOW: Final = timedelta(seconds=60)
DEMO_AGENT: Final = ("demo", "演示客服", "demo1234")
_NAME: Final = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")


class AgentError(ValueError):
    """A bad agent name or password (shown to whoever typed it)."""


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """``scrypt$n$r$p$salt$hash`` with a fresh 16-byte salt; parameters travel with the hash."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32
    )
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches ``stored``; a malformed hash never matches."""
    try:
        scheme, n, r, p, salt_hex, digest_hex = stored.split("$")
        if scheme != "scrypt":
            return False
        digest = hashlib.scrypt(
            password.encode(),
            salt=bytes.fromhex(salt_hex),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(digest_hex) // 2,
        )
    except ValueError:
        return False
    return hmac.compare_digest(digest.hex(), digest_hex)


def add_agent(
    session: Session,
    name: str,
    password: str | None,
    display_name: str = "",
    roles: Iterable[str] | None = None,
) -> Agent:
    """Create an agent, or update an existing one's password, display name or roles.

    A new agent needs a password and gets the ``agent`` role unless ``roles`` says otherwise;
    for an existing one, ``None`` keeps the password and ``roles=None`` keeps the roles.
    """
    name = name.strip().lower()
    if not _NAME.fullmatch(name):
        raise AgentError("agent names are 1–64 of a-z, 0-9, '.', '_', '-'")
    if password is not None and len(password) < 8:
        raise AgentError("a password needs at least 8 characters")
    agent = session.scalars(select(Agent).where(Agent.name == name)).one_or_none()
    if agent is None:
        if password is None:
            raise AgentError("a new agent needs a password")
        agent = Agent(name=name, display_name=display_name or name, created_at=utc_now())
        session.add(agent)
        roles = ["agent"] if roles is None else roles
    elif display_name:
        agent.display_name = display_name
    if password is not None:
        agent.password_hash = hash_password(password)
    session.flush()
    if roles is not None:
        set_roles(session, agent.id, roles)
    return agent


def agent_exists(session: Session, name: str) -> bool:
    """Whether an agent has this login name."""
    return find_agent(session, name) is not None


def ensure_demo_agent(session: Session) -> Agent | None:
    """On a fresh install (no agents at all), create the demo agent; else do nothing."""
    if session.scalar(select(Agent.id).limit(1)) is not None:
        return None
    name, display, password = DEMO_AGENT
    return add_agent(session, name, password, display, roles=ROLES)


_EQUALISER: dict[str, str] = {}


def _equaliser_hash() -> str:
    """A hash to check unknown names against, made once: hashing it afresh on every call made
    unknown names cost two scrypt runs and known ones one, which told which names exist."""
    if "hash" not in _EQUALISER:
        _EQUALISER["hash"] = hash_password(secrets.token_hex(16))
    return _EQUALISER["hash"]


def authenticate(session: Session, name: str, password: str) -> Agent | None:
    """The agent if the password matches; the same work (one scrypt) for unknown names."""
    agent = session.scalars(select(Agent).where(Agent.name == name.strip().lower())).one_or_none()
    if agent is None:
        verify_password(password, _equaliser_hash())
        return None
    return agent if verify_password(password, agent.password_hash) else None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, agent: Agent, *, now: datetime | None = None) -> str:
    """A new login: the cookie token (returned once, stored only as its hash)."""
    at = as_utc(now) if now is not None else utc_now()
    token = secrets.token_urlsafe(32)
    session.add(
        AgentSession(
            token_hash=_token_hash(token),
            agent_id=agent.id,
            created_at=at,
            expires_at=at + SESSION_LIFETIME,
        )
    )
    return token


def agent_for_token(session: Session, token: str, *, now: datetime | None = None) -> Agent | None:
    """The logged-in agent of a cookie token, or None if unknown or expired."""
    if not token:
        return None
    at = as_utc(now) if now is not None else utc_now()
    row = session.get(AgentSession, _token_hash(token))
    if row is None or as_utc(row.expires_at) <= at:
        return None
    return session.get(Agent, row.agent_id)


def end_session(session: Session, token: str) -> None:
    """Logout: forget the token."""
    session.execute(delete(AgentSession).where(AgentSession.token_hash == _token_hash(token)))


def touch(session: Session, agent_id: int, *, now: datetime | None = None) -> None:
    """Mark the agent as online now (the console reports while it is open)."""
    agent = session.get(Agent, agent_id)
    if agent is not None:
        agent.last_seen_at = as_utc(now) if now is not None else utc_now()


def online_agents(session: Session, *, now: datetime | None = None) -> list[Agent]:
    """Agents whose console reported within :data:`PRESENCE_WINDOW`."""
    at = as_utc(now) if now is not None else utc_now()
    return list(
        session.scalars(
            select(Agent).where(Agent.last_seen_at >= at - PRESENCE_WINDOW).order_by(Agent.name)
        )
    )


def find_agent(session: Session, name: str) -> Agent | None:
    """An agent by login name."""
    return session.scalars(select(Agent).where(Agent.name == name.strip().lower())).one_or_none()


def all_agents(session: Session) -> list[Agent]:
    """Every agent, by name."""
    return list(session.scalars(select(Agent).order_by(Agent.name)))
