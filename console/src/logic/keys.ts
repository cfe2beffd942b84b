// Keyboard shortcuts, decided in one place so they can be tested without a browser.

export interface KeyLike {
  key: string;
  code?: string;
  shiftKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  isComposing?: boolean;
}

/** Enter sends; Shift+Enter is a new line; Enter that confirms an IME candidate is neither. */
export function isSend(event: KeyLike): boolean {
  return event.key === "Enter" && !event.shiftKey && !event.isComposing && !event.altKey;
}

/** Ctrl+K (⌘+K on a Mac) opens the case search. */
export function isSearch(event: KeyLike): boolean {
  return (event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === "k";
}

/** Alt+N (Option+N on a Mac, where it types "˜", hence the code) claims the next chat. */
export function isClaimNext(event: KeyLike): boolean {
  return event.altKey && !event.ctrlKey && !event.metaKey && (event.code === "KeyN" || event.key.toLowerCase() === "n");
}

export const CLAIM_NEXT_HINT = "Alt+N";
export const SEARCH_HINT = "Ctrl+K";
