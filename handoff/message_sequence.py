"""Per-conversation message numbers (1, 2, 3…), given out in commit order.

Message ids come from one database-wide sequence, which PostgreSQL hands out at insert time,
not at commit: with two gateways writing one conversation, id 11 can commit before id 10,
and a reader that asked "after 10" a moment too early would never see 10. So each message
also gets a number in its conversation, taken by updating the conversation's row of
``chat_sequences``; that row stays locked until the message's transaction commits, so the
next writer of the same conversation waits and numbers become visible strictly in order.
A live view that has shown number N and receives N + 2 knows it missed one and reads the
database; one that receives N again drops the copy.

Only the two dialects the product runs on (SQLite, PostgreSQL) are supported; both have
``INSERT … ON CONFLICT DO UPDATE … RETURNING``.
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import Connection, Integer, String, column, table, update
from sqlalchemy.dialects import postgresql, sqlite

#: A lightweight handle on ``chat_sequences`` (the model lives in :mod:`handoff.chat_models`,
#: which imports this module).
SEQUENCES: Final = table(
    "chat_sequences",
    column("conversation_id", String(128)),
    column("last_seq", Integer()),
)


def take_next(connection: Connection, conversation_id: str) -> int:
    """The conversation's next number; its row stays locked until the transaction ends."""
    module: Any = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = (
        module.insert(SEQUENCES)
        .values(conversation_id=conversation_id, last_seq=1)
        .on_conflict_do_update(
            index_elements=["conversation_id"],
            set_={"last_seq": SEQUENCES.c.last_seq + 1},
        )
        .returning(SEQUENCES.c.last_seq)
    )
    return int(connection.execute(statement).scalar_one())


def give_back(connection: Connection, conversation_id: str) -> None:
    """Return the number just taken (a resend turned out to be stored already), so no gap.

    Safe because the caller still holds the row's lock: nobody took a number after it.
    """
    connection.execute(
        update(SEQUENCES)
        .where(SEQUENCES.c.conversation_id == conversation_id)
        .values(last_seq=SEQUENCES.c.last_seq - 1)
    )


def number_new_message(_mapper: Any, connection: Connection, message: Any) -> None:
    """``before_insert`` hook: every message row gets its number, whoever adds it."""
    if message.seq is None:
        message.seq = take_next(connection, message.conversation_id)
