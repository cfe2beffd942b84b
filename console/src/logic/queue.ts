// The workbench's queue: my chats pinned on top, then the waiting list in the server's
// working order, then colleagues' chats; and which urgent chats are new since last time.
import type { QueueCard, QueueSnapshot } from "../types";

export interface QueueSections {
  mine: QueueCard[];
  waiting: QueueCard[];
  others: QueueCard[];
}

export function splitQueue(snapshot: QueueSnapshot | null, me: string): QueueSections {
  if (!snapshot) return { mine: [], waiting: [], others: [] };
  return {
    mine: snapshot.claimed.filter((c) => c.claimed_by === me),
    waiting: snapshot.waiting,
    others: snapshot.claimed.filter((c) => c.claimed_by !== me),
  };
}

/** Urgent waiting chats whose entry id is not in ``seen``; ``seen`` is updated. */
export function newUrgent(snapshot: QueueSnapshot, seen: Set<number>): QueueCard[] {
  const fresh = snapshot.waiting.filter((c) => c.priority === "urgent" && !seen.has(c.entry_id));
  for (const card of snapshot.waiting) seen.add(card.entry_id);
  return fresh;
}

/** The page title: "(2) 客服工作台" while two urgent chats wait. */
export function titleWithBadge(urgentWaiting: number, base = "客服工作台 · 店小二"): string {
  return urgentWaiting > 0 ? `(${urgentWaiting}) ${base}` : base;
}

export function urgentWaitingCount(snapshot: QueueSnapshot | null): number {
  return snapshot ? snapshot.waiting.filter((c) => c.priority === "urgent").length : 0;
}
