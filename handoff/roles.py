"""Who may do what in the console: the roles an agent holds.

The gateway checks a role on every console route (:mod:`handoff.gateway.access`); the
console shows each person the pages of their roles. New agents are plain ``agent``s; the
command line (``python -m handoff agents add NAME --role trainer``) grants more.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from handoff.console_models import ROLES, AgentRole

__all__ = ["ROLES", "RoleError", "agents_with_role", "normalize_roles", "roles_of", "set_roles"]


class RoleError(ValueError):
    """A role name that does not exist (shown to whoever typed it)."""


def normalize_roles(roles: Iterable[str]) -> list[str]:
    """The roles in :data:`ROLES` order without duplicates; unknown names raise."""
    wanted = {role.strip().lower() for role in roles if role.strip()}
    unknown = wanted - set(ROLES)
    if unknown:
        raise RoleError(f"unknown role(s) {sorted(unknown)}; expected some of {list(ROLES)}")
    return [role for role in ROLES if role in wanted]


def roles_of(session: Session, agent_id: int) -> list[str]:
    """The agent's roles, in :data:`ROLES` order."""
    held = set(session.scalars(select(AgentRole.role).where(AgentRole.agent_id == agent_id)))
    return [role for role in ROLES if role in held]


def set_roles(session: Session, agent_id: int, roles: Iterable[str]) -> list[str]:
    """Replace the agent's roles (at least one: a person without a role could not log in)."""
    cleaned = normalize_roles(roles)
    if not cleaned:
        raise RoleError("an agent needs at least one role")
    session.execute(delete(AgentRole).where(AgentRole.agent_id == agent_id))
    session.add_all(AgentRole(agent_id=agent_id, role=role) for role in cleaned)
    session.flush()
    return cleaned


def agents_with_role(session: Session, role: str) -> list[int]:
    """Ids of the agents holding ``role``."""
    return list(session.scalars(select(AgentRole.agent_id).where(AgentRole.role == role)))
