import { describe, expect, it } from "vitest";
import { beijingDateTime, beijingDay, beijingTime, deadlineState, durationZh, waitingZh } from "../src/logic/time";

describe("Beijing time", () => {
  it("shows UTC instants in UTC+8 whatever the browser's zone", () => {
    expect(beijingTime("2026-12-02T01:22:00+00:00")).toBe("09:22");
    expect(beijingDateTime("2026-12-01T16:05:00Z")).toBe("12月2日 00:05");
    expect(beijingDay(new Date("2026-12-31T17:00:00Z"))).toBe("2027-01-01");
  });
});

describe("durations", () => {
  it("reads short on a card and never wraps into 0小/时52分", () => {
    expect(durationZh(20_000)).toBe("不到 1 分钟");
    expect(durationZh(52 * 60_000)).toBe("52 分钟");
    expect(durationZh(65 * 60_000)).toBe("1 小时 5 分");
    expect(durationZh(2 * 3_600_000)).toBe("2 小时");
    expect(durationZh(27 * 3_600_000)).toBe("1 天 3 小时");
    expect(waitingZh("2026-12-02T01:00:00Z", Date.parse("2026-12-02T01:03:30Z"))).toBe("等待 3 分钟");
  });
});

describe("deadline warnings", () => {
  const start = "2026-12-02T01:00:00Z";
  const due = "2026-12-02T02:00:00Z"; // one hour allowed
  it("is fine before 80% of the time is used", () => {
    const state = deadlineState(start, due, Date.parse("2026-12-02T01:47:00Z"));
    expect(state.level).toBe("ok");
    expect(state.text).toBe("剩 13 分钟");
  });
  it("warns from 80%", () => {
    expect(deadlineState(start, due, Date.parse("2026-12-02T01:48:00Z")).level).toBe("warning");
  });
  it("says how late once the deadline passed", () => {
    const state = deadlineState(start, due, Date.parse("2026-12-02T02:12:00Z"));
    expect(state).toMatchObject({ level: "late", text: "已超时 12 分钟" });
  });
});
