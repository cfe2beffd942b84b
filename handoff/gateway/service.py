"""What the gateway does, apart from HTTP: routing, escalation, claiming, handing back.

Views call these coroutines; each database step runs in a worker thread in its own
transaction (the synchronous SQLAlchemy session must not block the event loop). Who is in
charge of a conversation is read from the handoff queue every time, never kept in memory:
an active entry means a human, none means the assistant. That is what lets a second gateway
instance, or a restarted one, carry on where the first left off.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any, Final, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from handoff import agents as agent_store
from handoff.case_work import add_note, correct_triage, mark_first_response, set_status
from handoff.cases import TriageSummary, resolve_case
from handoff.chat_models import Agent, Attachment, Message
from handoff.clock import utc_now
from handoff.db import transaction
from handoff.escalation import Escalation, escalate_conversation
from handoff.gateway.conversation_locks import ConversationLocks
from handoff.gateway.hub import QUEUE_TOPIC, Hub
from handoff.gateway.identity import ANON_PREFIX, Identity, sign
from handoff.gateway.payload_guard import text_for_assistant
from handoff.gateway.rasa import Assistant, AssistantUnavailable, BotReply
from handoff.gateway.screening import Screener
from handoff.gateway.shopper_states import (
    ShopperState,
    shopper_state,
    urgent_wait_update,
    waiting_notice,
)
from handoff.messages import (
    mark_routed,
    messages_after,
    messages_after_seq,
    needs_routing,
    offered_title,
    seq_of,
    store_message,
    unrouted_messages,
)
from handoff.models import Case, HandoffEntry
from handoff.presence import DatabasePresence, Presence
from handoff.queue import (
    QueueConflictError,
    active_entry,
    claim_entry,
    finish_entry,
)
from handoff.review.capture import triage_reasons
from handoff.review.triage_capture import record_screening
from handoff.safety_advice import ADVICE_KIND, advice_to_send, safety_advice
from handoff.serialize import case_detail, event_dict, iso, order_dict
from triage_model.normalize import mask_personal_data

log = logging.getLogger(__name__)
T = TypeVar("T")

BOT_DOWN_ZH: Final = "抱歉，智能客服暂时无法回复。您可以稍后再试，或输入“转人工”联系人工客服。"
BOT_SILENT_ZH: Final = (
    "抱歉，刚才这条消息没有处理成功，请您再发一次；也可以输入“转人工”联系人工客服。"
)
URGENT_ZH: Final = "您反映的情况比较紧急，已为您优先转接人工客服，请不要离开对话。"
#: Said once when the assistant takes longer than WAIT_NOTICE_SECONDS (a slow action: an
#: order system that answers slowly); the answer follows in the same chat.
WAIT_NOTICE_ZH: Final = "请稍等，小助手正在为您查询，马上回复您。"
WAIT_NOTICE_SECONDS: Final = 8.0
#: While the assistant works, the bot's typing notice is repeated this often: the widget
#: shows it for 6 s after the last one, so a long turn keeps it up without a gap.
BOT_TYPING_EVERY_SECONDS: Final = 4.0
#: What the assistant is sent for a photo without words (an intent of bot/domain.yml), so
#: that it can answer "收到图片" instead of guessing what "[图片]" means.
PHOTO_TURN: Final = "/send_photo"
#: Shopper messages a crash left unrouted are relayed at start-up only if this recent: an
#: answer minutes later still helps, one a day later to a message the shopper has forgotten
#: does not.
RECOVERY_WINDOW: Final = timedelta(minutes=10)
#: How long that relay waits for the assistant, which ``make run`` starts at the same time
#: as the gateway, before telling the shopper it cannot answer.
RECOVERY_PATIENCE: Final = timedelta(minutes=2)
CANNED_REPLIES: Final = (
    "您好，我是人工客服，已经看到您的问题，正在为您处理。",
    "非常抱歉给您带来不便，请您提供一下商品问题的照片，方便我们核实。",
    "已为您申请退款，预计 1–3 个工作日原路退回。",
    "已为您联系快递核实物流情况，有结果第一时间告诉您。",
    "请问还有其他可以帮您的吗？",
)


def needs_human_now(triage: TriageSummary | None) -> bool:
    """Whether the gateway itself escalates a message, before the assistant sees it.

    Every shopper message is screened, before the complaint form, in the middle of it and
    after a case is open, and any urgent result escalates: whether an urgency rule named the
    words (冒烟, 被盗...) or only the urgency model judged it (a child's lips turning blue,
    a caller posing as our service). The model is trained on ordinary chat as well (progress
    questions such as "我的投诉处理到哪了", greetings, 转人工, order numbers, ratings), so
    those come out normal and go to the assistant.
    """
    return triage is not None and triage.urgency == "urgent"


class GatewayError(Exception):
    """A refused agent action; ``message_zh`` is shown in the console."""

    def __init__(self, message_zh: str, status: int = 400) -> None:
        super().__init__(message_zh)
        self.message_zh = message_zh
        self.status = status


@dataclass(frozen=True)
class AgentRef:
    """The logged-in agent, detached from any session."""

    id: int
    name: str
    display_name: str
    #: What the person may do in the console (see handoff.roles); checked on every route.
    roles: frozenset[str] = frozenset()

    @property
    def actor(self) -> str:
        return f"agent:{self.name}"


def attachment_token(secret: bytes, attachment_id: int) -> str:
    """The capability in a photo's URL: only someone who was shown the URL can load it."""
    return sign(secret, f"attachment:{attachment_id}")[:32]


class Gateway:
    """The gateway's behaviour, shared by the shopper and agent views."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        assistant: Assistant,
        screener: Screener,
        hub: Hub,
        secret: bytes,
        recovery_window: timedelta = RECOVERY_WINDOW,
        presence: Presence | None = None,
    ) -> None:
        self.factory = factory
        #: Where consoles report and views read who is online (handoff.presence).
        self.presence: Presence = presence if presence is not None else DatabasePresence(factory)
        self.assistant = assistant
        self.screener = screener
        self.hub = hub
        self.secret = secret
        self.recovery_window = recovery_window
        self.locks = ConversationLocks()

    async def db(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in one transaction in a worker thread."""

        def run() -> T:
            with transaction(self.factory) as session:
                return work(session)

        return await asyncio.to_thread(run)

    # ------------------------------------------------------------------ serialisation

    def message_dict(self, message: Message) -> dict[str, Any]:
        """A message as the widget and the console receive it."""
        payload = message.payload or {}
        attachment = None
        if message.attachment_id is not None:
            token = attachment_token(self.secret, message.attachment_id)
            attachment = f"/attachments/{message.attachment_id}?t={token}"
        return {
            "id": message.id,
            # The message's number in its conversation: what a reconnecting view resumes
            # after (``after_seq``) and how a live view spots a copy or a gap.
            "seq": message.seq,
            "sender": message.sender,
            "agent": message.agent,
            # A quick reply reads as the button's title (确认提交), never its payload.
            "text": message.display_text or message.text,
            # The widget's own id of a shopper message, so it can tell its pending bubble
            # from the stored copy.
            "client_id": message.client_id if message.sender == "shopper" else None,
            "buttons": payload.get("buttons", []),
            "custom": payload.get("custom"),
            "attachment": attachment,
            "at": iso(message.created_at),
        }

    async def history(self, conversation_id: str, after_id: int = 0) -> list[dict[str, Any]]:
        """Messages after ``after_id`` (the newest ones when 0), ready to send."""
        rows = await self.db(lambda s: messages_after(s, conversation_id, after_id))
        return [self.message_dict(m) for m in rows]

    async def history_after_seq(self, conversation_id: str, after_seq: int) -> list[dict[str, Any]]:
        """Messages numbered above ``after_seq``, oldest first (a resume, or a gap filled)."""
        rows = await self.db(lambda s: messages_after_seq(s, conversation_id, after_seq))
        return [self.message_dict(m) for m in rows]

    async def seq_of_message(self, conversation_id: str, message_id: int) -> int:
        """The number a widget of the previous release means by ``after`` (a message id)."""
        return await self.db(lambda s: seq_of(s, conversation_id, message_id))

    async def shopper_state(self, conversation_id: str) -> ShopperState:
        """The conversation's state (see :mod:`handoff.gateway.shopper_states`)."""
        online = await self.presence.online()
        return await self.db(lambda s: shopper_state(s, conversation_id, online=online))

    async def state(self, conversation_id: str) -> dict[str, Any]:
        """The widget's ``state`` frame."""
        return (await self.shopper_state(conversation_id)).frame()

    async def mode(self, conversation_id: str) -> str:
        """``human`` while the conversation has an active queue entry, else ``bot``."""
        entry = await self.db(lambda s: active_entry(s, conversation_id))
        return "human" if entry is not None else "bot"

    # ------------------------------------------------------------------ shopper side

    async def _store(self, identity: Identity, sender: str, text: str, **extra: Any) -> Message:
        def work(session: Session) -> Message:
            return store_message(
                session,
                conversation_id=identity.conversation_id,
                shopper_id=identity.shopper_id,
                sender=sender,
                text=text,
                **extra,
            )[0]

        message = await self.db(work)
        self.hub.stored(identity.conversation_id, self.message_dict(message))
        return message

    async def _store_replies(self, identity: Identity, replies: list[BotReply]) -> None:
        for reply in replies:
            payload: dict[str, Any] = {}
            if reply.buttons:
                payload["buttons"] = reply.buttons
            if reply.custom is not None:
                payload["custom"] = reply.custom
            await self._store(identity, "bot", reply.text, payload=payload)

    async def receive(
        self,
        identity: Identity,
        text: str,
        *,
        client_id: str | None,
        attachment_id: int | None = None,
        display: str | None = None,
    ) -> tuple[Message, bool]:
        """Store a shopper message (the caller acknowledges it then) and say if it is new.

        ``display`` is the title of the quick-reply button whose payload ``text`` is; it is
        kept only if the assistant offered that very button in this conversation.
        """
        conversation_id = identity.conversation_id

        def work(session: Session) -> tuple[Message, bool]:
            if attachment_id is not None:
                attachment = session.get(Attachment, attachment_id)
                if attachment is None or attachment.conversation_id != conversation_id:
                    raise GatewayError("图片不存在或已过期，请重新上传。")
            title = (
                offered_title(session, conversation_id, text, display)
                if display and display != text
                else None
            )
            return store_message(
                session,
                conversation_id=conversation_id,
                shopper_id=identity.shopper_id,
                sender="shopper",
                text=text,
                client_id=client_id,
                attachment_id=attachment_id,
                display_text=title,
            )

        message, new = await self.db(work)
        if new:
            self.hub.stored(conversation_id, self.message_dict(message))
            self.hub.changed(QUEUE_TOPIC)
        return message, new

    async def route(self, identity: Identity, message: Message) -> None:
        """Send a stored shopper message where it belongs: the agent, or the assistant.

        One conversation is routed one message at a time, so the bot sees messages in order
        even when the shopper types in two tabs. A message is routed once: a resend of one
        already routed (or being routed) by this process changes nothing, and a resend of
        one that a crash left unrouted routes it now, if it is recent.
        """
        conversation_id = identity.conversation_id
        since = utc_now() - self.recovery_window
        async with self.locks.held(conversation_id):
            if not await self.db(lambda s: needs_routing(s, message.id, since=since)):
                return
            await self._route(identity, message)
            await self.db(lambda s: mark_routed(s, message.id))

    async def recover(self) -> asyncio.Task[None] | None:
        """Relay the recent shopper messages a crash left unrouted, oldest first, once each.

        Called at start-up, before the gateway takes connections: the conversations' locks
        are taken here, so a message the shopper sends meanwhile waits behind the recovered
        ones and the assistant still sees the conversation in order. The relaying runs in the
        returned task (Rasa may be slow, or still starting). Each message is claimed before it
        is routed, so two instances starting together relay it once; a crash during that
        relay loses it for good, which is the price of never relaying it twice.
        """
        since = utc_now() - self.recovery_window
        pending = await self.db(lambda s: unrouted_messages(s, since=since))
        if not pending:
            return None
        by_conversation: dict[str, list[Message]] = {}
        for message in pending:
            by_conversation.setdefault(message.conversation_id, []).append(message)
        for conversation_id in by_conversation:
            await self.locks.acquire(conversation_id)  # free: nothing runs yet
        log.warning(
            "relaying %d shopper message(s) in %d conversation(s) left unanswered by a crash",
            len(pending),
            len(by_conversation),
        )

        async def conversation(conversation_id: str, messages: list[Message]) -> None:
            try:
                for message in messages:
                    claim = partial(mark_routed, message_id=message.id, only_if_unrouted=True)
                    if await self.db(claim):
                        identity = Identity(
                            shopper_id=message.shopper_id,
                            anonymous=message.shopper_id.startswith(ANON_PREFIX),
                        )
                        await self._route(
                            identity, message, patience=RECOVERY_PATIENCE.total_seconds()
                        )
            except Exception:
                log.exception("could not relay the unanswered messages of %s", conversation_id)
            finally:
                self.locks.release(conversation_id)

        async def run() -> None:
            tasks = [
                asyncio.create_task(conversation(cid, messages))
                for cid, messages in by_conversation.items()
            ]
            try:
                await asyncio.gather(*tasks)
            finally:
                for task in tasks:
                    task.cancel()

        return asyncio.create_task(run())

    async def _route(self, identity: Identity, message: Message, *, patience: float = 0) -> None:
        """Route one message; the caller holds the conversation's lock.

        ``patience`` is how many seconds to keep trying an assistant that is not answering.
        """
        from handoff.gateway import supervision_hooks  # 回访 answers, incident notices

        if await supervision_hooks.before_route(self, identity, message):
            return
        conversation_id = identity.conversation_id
        triage = await self.screener.screen(message.text) if message.text.strip() else None
        if triage is not None:
            await self._offer_for_review(conversation_id, message, triage)
        urgent = needs_human_now(triage)
        entry = await self.db(lambda s: active_entry(s, conversation_id))
        if entry is not None:
            if urgent:
                # Queued or served already: still made urgent, and the shopper is answered.
                await self._escalate(identity, message, triage, pause_bot=False)
            return  # a human is in charge: the agent reads it live, the bot stays silent
        if urgent:
            log.info(
                "urgent message in %s escalated: %s",
                conversation_id,
                mask_personal_data(message.text[:80]),
            )
            await self._escalate(identity, message, triage, pause_bot=True)
            return
        await self._relay_to_bot(identity, message, patience=patience)

    async def _offer_for_review(
        self, conversation_id: str, message: Message, triage: TriageSummary
    ) -> None:
        """An uncertain screening goes to the trainers' inbox; confident ones cost nothing."""
        threshold = getattr(self.screener, "urgency_threshold", None)
        if threshold is None or not triage_reasons(
            triage.category_confidence, triage.urgency_score, threshold
        ):
            return
        version = getattr(self.screener, "model_version", None)
        try:
            await self.db(
                lambda s: record_screening(
                    s,
                    text=message.text,
                    category=triage.category,
                    category_confidence=triage.category_confidence,
                    urgency=triage.urgency,
                    urgency_score=triage.urgency_score,
                    reasons=list(triage.reasons),
                    threshold=threshold,
                    conversation_id=conversation_id,
                    message_id=message.id,
                    model_version=version,
                )
            )
        except Exception:  # the inbox must never stop a message from being routed
            log.exception("screening of message %s not offered for review", message.id)

    async def _keep_shopper_informed(self, identity: Identity, done: asyncio.Event) -> None:
        """Until ``done``: the bot's typing notice every few seconds and, once the turn is
        slow, one kind 稍等 line (stored, so every gateway and a reconnecting widget show it).

        Why: a turn may take Rasa's whole turn budget (minutes, with a slow action), and the
        gateway waits that long; a silent widget would read as broken and invite a resend.
        """
        conversation_id = identity.conversation_id
        loop = asyncio.get_running_loop()
        notice_at = loop.time() + WAIT_NOTICE_SECONDS
        noticed = False
        while True:
            self.hub.changed(conversation_id, {"type": "typing", "who": "bot"})
            wait = BOT_TYPING_EVERY_SECONDS
            if not noticed:
                wait = min(wait, max(0.0, notice_at - loop.time()))
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(done.wait(), wait)
            if done.is_set():
                return
            if not noticed and loop.time() >= notice_at:
                noticed = True
                try:
                    await self._store(identity, "system", WAIT_NOTICE_ZH)
                except Exception:  # a courtesy: the answer must not depend on it
                    log.exception("could not tell %s to wait", conversation_id)

    async def _ask_assistant(
        self, identity: Identity, text: str, *, patience: float
    ) -> list[BotReply] | None:
        """The assistant's replies, or None once it stayed unavailable past ``patience``."""
        conversation_id = identity.conversation_id
        loop = asyncio.get_running_loop()
        deadline, pause = loop.time() + patience, 0.5
        while True:
            try:
                return await self.assistant.message(
                    conversation_id, text, {"shopper_id": identity.shopper_id}
                )
            except AssistantUnavailable as error:
                if loop.time() + pause > deadline:
                    log.warning("assistant unavailable for %s: %s", conversation_id, error)
                    return None
                log.info(
                    "assistant not answering %s yet (%s); trying again", conversation_id, error
                )
                await asyncio.sleep(pause)
                pause = min(pause * 2, 5.0)

    async def _relay_to_bot(
        self, identity: Identity, message: Message, *, patience: float = 0
    ) -> None:
        conversation_id = identity.conversation_id
        typed = message.text
        if typed:  # what the shopper typed; the gateway's own photo turn is a real payload
            text = await self.db(lambda s: text_for_assistant(s, conversation_id, typed))
        else:
            text = PHOTO_TURN if message.attachment_id is not None else ""
        done = asyncio.Event()
        informing = asyncio.create_task(self._keep_shopper_informed(identity, done))
        try:
            replies = await self._ask_assistant(identity, text, patience=patience)
        finally:
            done.set()  # let a 稍等 line being stored finish: it is published, then the answer
            await informing
        if replies is None:
            await self._store(identity, "system", BOT_DOWN_ZH)
            return
        await self._store_replies(identity, replies)
        entry = await self.db(lambda s: active_entry(s, conversation_id))
        if entry is not None:  # the bot handed the conversation to a human just now
            self.hub.changed(QUEUE_TOPIC)
            await self._tell_waiting(identity)
        elif not replies:
            # Rasa's REST channel answers [] when the turn raised (it logs the error and
            # swallows it); every turn of our assistant says something otherwise.
            log.warning("assistant gave no answer in %s; shopper asked to resend", conversation_id)
            await self._store(identity, "system", BOT_SILENT_ZH)

    async def _escalate(
        self, identity: Identity, message: Message, triage: TriageSummary | None, *, pause_bot: bool
    ) -> None:
        """Make the conversation urgent (queue entry and case) and answer the shopper at once.

        ``pause_bot`` is for a conversation the assistant had: Rasa is paused. Either way the
        shopper reads that the chat is now urgent (unless it already was, or an agent has it),
        first-aid advice for a safety problem, and who will answer when.
        """
        conversation_id = identity.conversation_id
        assert triage is not None

        def work(session: Session) -> Escalation:
            return escalate_conversation(
                session,
                conversation_id=conversation_id,
                shopper_id=identity.shopper_id,
                message_id=message.id,
                message_text=message.text,
                triage=triage,
            )

        escalation = await self.db(work)
        self.hub.changed(QUEUE_TOPIC)
        if pause_bot:
            try:
                await self.assistant.pause(conversation_id)
            except AssistantUnavailable as error:  # the queue entry already keeps the bot out
                log.warning("could not pause the assistant for %s: %s", conversation_id, error)
        waiting = escalation.entry_status == "waiting"
        if waiting and escalation.newly_queued:
            await self._store(identity, "system", URGENT_ZH)
        elif waiting and escalation.priority_raised:
            # Already queued: the shopper read the queue notice once; say only the new wait.
            update = urgent_wait_update(await self.shopper_state(conversation_id))
            await self._store(identity, "system", f"{URGENT_ZH}{update}")
        await self._give_safety_advice(identity, message.text, triage)
        if waiting and escalation.newly_queued:
            await self._tell_waiting(identity)

    async def _give_safety_advice(
        self, identity: Identity, text: str, triage: TriageSummary
    ) -> None:
        """First-aid lines for a safety or health problem, unless just given for it."""
        advice = safety_advice(text, triage.reasons)
        if advice is None:
            return
        conversation_id = identity.conversation_id
        if not await self.db(lambda s: advice_to_send(s, conversation_id, advice)):
            return
        custom = {"kind": ADVICE_KIND, "topics": list(advice.topics)}
        await self._store(identity, "bot", advice.text, payload={"custom": custom})

    async def _tell_waiting(self, identity: Identity) -> None:
        """Tell the shopper honestly whether anyone is online, and by when we will answer."""
        conversation_id = identity.conversation_id
        notice = waiting_notice(await self.shopper_state(conversation_id))
        if notice:
            await self._store(identity, "system", notice)

    # ------------------------------------------------------------------ agent side

    async def claim(self, agent: AgentRef, entry_id: int) -> str:
        """Claim a waiting entry; the loser of a race gets a 409 naming the winner."""

        def work(session: Session) -> tuple[str, str]:
            entry = session.get(HandoffEntry, entry_id)
            if entry is None:
                raise GatewayError("没有这个排队会话。", 404)
            try:
                claim_entry(session, entry, agent=agent.actor)
            except QueueConflictError:
                session.refresh(entry)
                who = (entry.claimed_by or "").removeprefix("agent:") or "其他客服"
                raise GatewayError(f"这个会话已经被 {who} 接手了。", 409) from None
            return entry.conversation_id, entry.shopper_id

        conversation_id, shopper_id = await self.db(work)
        self.hub.changed(QUEUE_TOPIC)
        identity = Identity(shopper_id=shopper_id, anonymous=shopper_id.startswith("anon-"))
        await self._store(identity, "system", f"人工客服 {agent.display_name} 已接入，为您服务。")
        return conversation_id

    def _owned_entry(self, session: Session, agent: AgentRef, conversation_id: str) -> HandoffEntry:
        entry = active_entry(session, conversation_id)
        if entry is None or entry.status != "claimed":
            raise GatewayError("这个会话不在人工处理中。", 409)
        if entry.claimed_by != agent.actor:
            raise GatewayError("这个会话由其他客服处理，请先接手或请对方转接。", 403)
        return entry

    async def reply(self, agent: AgentRef, conversation_id: str, text: str) -> None:
        """An agent's chat message: stored, then shown to the shopper live."""
        text = text.strip()
        if not text:
            raise GatewayError("消息不能为空。")

        def work(session: Session) -> Message:
            entry = self._owned_entry(session, agent, conversation_id)
            message, _new = store_message(
                session,
                conversation_id=conversation_id,
                shopper_id=entry.shopper_id,
                sender="agent",
                agent=agent.display_name,
                text=text,
            )
            if entry.case is not None:
                mark_first_response(session, entry.case, actor=agent.actor)
            return message

        message = await self.db(work)
        self.hub.stored(conversation_id, self.message_dict(message))

    async def case_action(
        self, agent: AgentRef, conversation_id: str, action: dict[str, Any]
    ) -> None:
        """Note, triage correction or status change on the conversation's case."""

        def work(session: Session) -> None:
            entry = self._owned_entry(session, agent, conversation_id)
            case = entry.case
            if case is None:
                raise GatewayError("这个会话没有工单。", 409)
            kind = action.get("type")
            try:
                if kind == "note":
                    add_note(session, case, str(action.get("text", "")), actor=agent.actor)
                elif kind == "correct":
                    correct_triage(
                        session,
                        case,
                        actor=agent.actor,
                        category=action.get("category") or None,
                        urgency=action.get("urgency") or None,
                    )
                elif kind == "status":
                    set_status(session, case, str(action.get("status")), actor=agent.actor)
                else:
                    raise GatewayError("未知操作。")
            except ValueError as error:
                raise GatewayError(f"操作无效：{error}") from error

        await self.db(work)
        self.hub.changed(conversation_id, {"type": "case_changed"})
        self.hub.changed(QUEUE_TOPIC)

    async def transfer(self, agent: AgentRef, conversation_id: str, to_name: str) -> None:
        """Give a claimed conversation to another agent (noted on the case)."""

        def work(session: Session) -> tuple[str, str]:
            entry = self._owned_entry(session, agent, conversation_id)
            target = agent_store.find_agent(session, to_name)
            if target is None or target.id == agent.id:
                raise GatewayError("请选择另一位客服。")
            entry.claimed_by = f"agent:{target.name}"
            if entry.case is not None:
                add_note(session, entry.case, f"转接给 {target.name}", actor=agent.actor)
            return entry.shopper_id, target.display_name

        shopper_id, display = await self.db(work)
        identity = Identity(shopper_id=shopper_id, anonymous=shopper_id.startswith("anon-"))
        await self._store(identity, "system", f"已为您转接到人工客服 {display}。")
        self.hub.changed(QUEUE_TOPIC)

    async def hand_back(
        self, agent: AgentRef, conversation_id: str, resolution: str | None, note: str | None
    ) -> None:
        """Resolve (if there is a case) and give the shopper back to the assistant."""

        def work(session: Session) -> str:
            entry = self._owned_entry(session, agent, conversation_id)
            if entry.case is not None:
                if not resolution:
                    raise GatewayError("请选择处理结果。")
                try:
                    resolve_case(
                        session, entry.case, actor=agent.actor, resolution=resolution, note=note
                    )
                except ValueError as error:
                    raise GatewayError(f"处理结果无效：{error}") from error
            finish_entry(session, entry)
            return entry.shopper_id

        # The lock first: a rating typed the moment "已结束服务" shows waits for the resumed
        # assistant and its rating question, instead of reaching the paused one.
        async with self.locks.held(conversation_id):
            shopper_id = await self.db(work)
            self.hub.changed(QUEUE_TOPIC)
            identity = Identity(shopper_id=shopper_id, anonymous=shopper_id.startswith("anon-"))
            await self._store(identity, "system", f"人工客服 {agent.display_name} 已结束服务。")
            try:
                replies = await self.assistant.hand_back(conversation_id, resolved=True)
            except AssistantUnavailable as error:
                log.warning("could not hand %s back to the assistant: %s", conversation_id, error)
                await self._store(identity, "system", BOT_DOWN_ZH)
                return
            await self._store_replies(identity, replies)

    async def conversation(self, agent: AgentRef, conversation_id: str) -> dict[str, Any]:
        """Everything the console shows about a conversation."""

        def work(session: Session) -> dict[str, Any]:
            entry = active_entry(session, conversation_id)
            messages = messages_after(session, conversation_id)
            shopper_id = entry.shopper_id if entry else (messages[0].shopper_id if messages else "")
            cases = list(
                session.scalars(
                    select(Case)
                    .where(Case.shopper_id == shopper_id, Case.conversation_id == conversation_id)
                    .order_by(Case.id.desc())
                )
            )
            current = entry.case if entry and entry.case else (cases[0] if cases else None)
            return {
                "conversation_id": conversation_id,
                "shopper_id": shopper_id,
                "entry": None
                if entry is None
                else {
                    "entry_id": entry.id,
                    "status": entry.status,
                    "priority": entry.priority,
                    "claimed_by": entry.claimed_by,
                    "mine": entry.claimed_by == agent.actor,
                },
                "case": None
                if current is None
                else {
                    **case_detail(current),
                    "events": [event_dict(e) for e in current.events],
                    "order": order_dict(current.order) if current.order else None,
                },
                "other_cases": [
                    {"case_id": c.case_number, "status": c.status, "category": c.category}
                    for c in cases
                    if current is None or c.id != current.id
                ],
                "messages": [self.message_dict(m) for m in messages],
                "canned": list(CANNED_REPLIES),
            }

        return await self.db(work)


def agent_ref(agent: Agent, roles: Iterable[str] = ()) -> AgentRef:
    """Detach an agent row (with the roles read in the same session)."""
    return AgentRef(
        id=agent.id, name=agent.name, display_name=agent.display_name, roles=frozenset(roles)
    )
