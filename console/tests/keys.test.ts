import { describe, expect, it } from "vitest";
import { isClaimNext, isSearch, isSend, type KeyLike } from "../src/logic/keys";

const key = (k: string, mods: Partial<KeyLike> = {}): KeyLike => ({
  key: k,
  shiftKey: false,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  ...mods,
});

describe("keyboard", () => {
  it("sends on Enter, breaks the line on Shift+Enter, ignores IME confirmation", () => {
    expect(isSend(key("Enter"))).toBe(true);
    expect(isSend(key("Enter", { shiftKey: true }))).toBe(false);
    expect(isSend(key("Enter", { isComposing: true }))).toBe(false);
    expect(isSend(key("a"))).toBe(false);
  });
  it("searches on Ctrl+K and ⌘+K", () => {
    expect(isSearch(key("k", { ctrlKey: true }))).toBe(true);
    expect(isSearch(key("K", { metaKey: true }))).toBe(true);
    expect(isSearch(key("k"))).toBe(false);
  });
  it("claims the next chat on Alt+N, also where Option+N types a tilde", () => {
    expect(isClaimNext(key("n", { altKey: true, code: "KeyN" }))).toBe(true);
    expect(isClaimNext(key("˜", { altKey: true, code: "KeyN" }))).toBe(true);
    expect(isClaimNext(key("n"))).toBe(false);
    expect(isClaimNext(key("n", { altKey: true, ctrlKey: true, code: "KeyN" }))).toBe(false);
  });
});
