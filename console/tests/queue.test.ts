import { describe, expect, it } from "vitest";
import { newUrgent, splitQueue, titleWithBadge, urgentWaitingCount } from "../src/logic/queue";
import type { QueueCard, QueueSnapshot } from "../src/types";

function card(id: number, extra: Partial<QueueCard> = {}): QueueCard {
  return {
    entry_id: id,
    conversation_id: `c${id}`,
    shopper_id: `s${id}`,
    shopper_zh: `顾客${id}`,
    priority: "normal",
    priority_zh: "普通",
    queue_reason_zh: "顾客要求人工",
    reasons_zh: [],
    status: "waiting",
    claimed_by: null,
    claimed_by_zh: null,
    created_at: "2026-12-02T01:00:00Z",
    claimed_at: null,
    due: "2026-12-03T01:00:00Z",
    deadline_start: "2026-12-02T01:00:00Z",
    deadline_zh: "首次回复",
    case_number: null,
    category: null,
    category_zh: null,
    complaint: "耳机没声音",
    ...extra,
  };
}

function snapshot(waiting: QueueCard[], claimed: QueueCard[] = []): QueueSnapshot {
  return { waiting, claimed, agents: [], now: "2026-12-02T01:00:00Z" };
}

describe("queue sections", () => {
  it("pins my chats above the waiting list and keeps colleagues' apart", () => {
    const mine = card(1, { status: "claimed", claimed_by: "demo" });
    const theirs = card(2, { status: "claimed", claimed_by: "alice" });
    const waiting = [card(3, { priority: "urgent" }), card(4)];
    const sections = splitQueue(snapshot(waiting, [theirs, mine]), "demo");
    expect(sections.mine.map((c) => c.entry_id)).toEqual([1]);
    expect(sections.waiting.map((c) => c.entry_id)).toEqual([3, 4]);
    expect(sections.others.map((c) => c.entry_id)).toEqual([2]);
  });
  it("is empty before the first snapshot", () => {
    expect(splitQueue(null, "demo")).toEqual({ mine: [], waiting: [], others: [] });
  });
});

describe("alerts", () => {
  it("announces each urgent chat once, and never a normal one", () => {
    const seen = new Set<number>();
    expect(newUrgent(snapshot([card(1, { priority: "urgent" }), card(2)]), seen).map((c) => c.entry_id)).toEqual([1]);
    expect(newUrgent(snapshot([card(1, { priority: "urgent" }), card(2)]), seen)).toEqual([]);
    const next = snapshot([card(1, { priority: "urgent" }), card(5, { priority: "urgent" })]);
    expect(newUrgent(next, seen).map((c) => c.entry_id)).toEqual([5]);
  });
  it("puts the number of urgent waiting chats in the title", () => {
    const snap = snapshot([card(1, { priority: "urgent" }), card(2, { priority: "urgent" }), card(3)]);
    expect(urgentWaitingCount(snap)).toBe(2);
    expect(titleWithBadge(2, "工作台")).toBe("(2) 工作台");
    expect(titleWithBadge(0, "工作台")).toBe("工作台");
  });
});
