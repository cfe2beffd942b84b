// Canned replies in the reply box: typing "/" (or "/退款", "/照片") lists the matching ones.
import type { CannedReply } from "../types";

/** The search after a leading "/", or null when the box is not asking for a canned reply. */
export function slashQuery(text: string): string | null {
  const match = /^[/／](\S*)$/.exec(text);
  return match ? (match[1] ?? "") : null;
}

/** Replies whose title or text contains every character group typed, titles first. */
export function filterCanned(replies: CannedReply[], query: string): CannedReply[] {
  const q = query.trim().toLowerCase();
  if (!q) return replies.slice();
  const inTitle = replies.filter((r) => r.title.toLowerCase().includes(q));
  const inText = replies.filter(
    (r) => !r.title.toLowerCase().includes(q) && r.text.toLowerCase().includes(q),
  );
  return [...inTitle, ...inText];
}
