"""A case's state in plain Chinese, for "我的投诉处理到哪了"."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from handoff.clock import as_utc, format_zh, utc_now
from handoff.models import Case

RESOLUTION_NAMES_ZH: Final = {
    "refund": "退款",
    "return": "退货退款",
    "exchange": "换货",
    "compensation": "补偿",
    "explanation": "已向您说明情况",
    "other": "其他处理",
}


def status_text_zh(case: Case, now: datetime | None = None) -> tuple[str, str]:
    """``(status, next step)`` in words a shopper understands, with the deadline in China time.

    Overdue deadlines are admitted rather than repeated: promising a time that has passed
    reads as a form letter.
    """
    current = as_utc(now) if now is not None else utc_now()
    if case.status == "resolved":
        outcome = RESOLUTION_NAMES_ZH.get(case.resolution or "other", "其他处理")
        follow_up = "欢迎为本次服务打分（1–5 分）" if case.rating is None else "感谢您的评价"
        return "已解决", f"处理结果：{outcome}。{follow_up}"
    if case.status == "pending_shopper":
        return "等待您补充信息", "请在对话中补充客服需要的信息，收到后我们会马上继续处理"
    if case.first_response_at is None:
        due = case.first_response_due
        if current > due:
            return (
                "处理中",
                f"已超过承诺的首次回复时间（{format_zh(due)}），我们已催促客服尽快联系您",
            )
        return "处理中", f"客服会在 {format_zh(due)} 前首次回复您"
    due = case.resolution_due
    if current > due:
        return "处理中", f"已超过承诺的处理时间（{format_zh(due)}），我们已加急处理"
    return "处理中", f"客服正在处理，会在 {format_zh(due)} 前给您处理结果"
