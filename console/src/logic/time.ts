// Times as agents in mainland China read them. China has no daylight saving time, so a
// fixed UTC+8 offset is exact and the output does not depend on the browser's time zone.

const BEIJING_OFFSET_MS = 8 * 60 * 60 * 1000;
const MINUTE_MS = 60 * 1000;

function beijingParts(iso: string): Date {
  return new Date(new Date(iso).getTime() + BEIJING_OFFSET_MS);
}

const two = (n: number): string => String(n).padStart(2, "0");

/** "09:22" in Beijing time. */
export function beijingTime(iso: string): string {
  const d = beijingParts(iso);
  return `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}`;
}

/** "12月2日 09:22" in Beijing time. */
export function beijingDateTime(iso: string): string {
  const d = beijingParts(iso);
  return `${d.getUTCMonth() + 1}月${d.getUTCDate()}日 ${beijingTime(iso)}`;
}

/** "2026-12-02": the Beijing calendar day, for date filters. */
export function beijingDay(when: Date): string {
  const d = new Date(when.getTime() + BEIJING_OFFSET_MS);
  return `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}`;
}

/** "3 分钟", "1 小时 5 分", "2 天 3 小时": a duration short enough for a card. */
export function durationZh(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / MINUTE_MS));
  if (minutes < 1) return "不到 1 分钟";
  if (minutes < 60) return `${minutes} 分钟`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 ? `${hours} 小时 ${minutes % 60} 分` : `${hours} 小时`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days} 天 ${hours % 24} 小时` : `${days} 天`;
}

/** How long an agent has had a claimed chat: "已接手 3 分钟" (its wait is over). */
export function claimedZh(claimedIso: string, now: number): string {
  return `已接手 ${durationZh(now - new Date(claimedIso).getTime())}`;
}

/** How long a chat has waited: "等待 3 分钟". */
export function waitingZh(sinceIso: string, now: number): string {
  return `等待 ${durationZh(now - new Date(sinceIso).getTime())}`;
}

export type DeadlineLevel = "ok" | "warning" | "late";

export interface DeadlineState {
  level: DeadlineLevel;
  /** "剩 52 分钟" or "已超时 12 分钟". */
  text: string;
  /** Share of the allowed time already used, 0..1+ */
  used: number;
}

/** Where a chat stands against its deadline; a warning from 80% of the allowed time. */
export function deadlineState(startIso: string, dueIso: string, now: number): DeadlineState {
  const start = new Date(startIso).getTime();
  const due = new Date(dueIso).getTime();
  const allowed = Math.max(due - start, 1);
  const used = (now - start) / allowed;
  if (now >= due) return { level: "late", text: `已超时 ${durationZh(now - due)}`, used };
  const level: DeadlineLevel = used >= 0.8 ? "warning" : "ok";
  return { level, text: `剩 ${durationZh(due - now)}`, used };
}
