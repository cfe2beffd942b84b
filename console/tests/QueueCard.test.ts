import { describe, expect, it } from "vitest";
import { mount } from "@vue/test-utils";
import QueueCard from "../src/components/QueueCard.vue";
import type { QueueCard as Card } from "../src/types";

const card: Card = {
  entry_id: 7,
  conversation_id: "c7",
  shopper_id: "anon-ab12",
  shopper_zh: "访客 AB12",
  priority: "urgent",
  priority_zh: "紧急",
  queue_reason_zh: "紧急消息",
  reasons_zh: ["人身安全·冒烟、烫伤"],
  status: "waiting",
  claimed_by: null,
  claimed_by_zh: null,
  created_at: "2026-12-02T01:00:00Z",
  claimed_at: null,
  due: "2026-12-02T02:00:00Z",
  deadline_start: "2026-12-02T01:00:00Z",
  deadline_zh: "首次回复",
  case_number: "TS261202-ABCD",
  category: "quality",
  category_zh: "商品质量",
  complaint: "充电宝冒烟了，孩子的手被烫伤了",
};

describe("QueueCard", () => {
  it("shows shopper, wait, category, urgency with its reason and the complaint, in Chinese", () => {
    const now = Date.parse("2026-12-02T01:50:00Z");
    const wrapper = mount(QueueCard, { props: { card, now, claimable: true } });
    const text = wrapper.text();
    for (const part of ["访客 AB12", "等待 50 分钟", "商品质量", "紧急", "人身安全·冒烟、烫伤", "烫伤了", "首次回复 剩 10 分钟", "接手"]) {
      expect(text).toContain(part);
    }
    expect(text).not.toMatch(/quality|urgent|waiting/);
    expect(wrapper.classes()).toContain("warning"); // 50 of 60 minutes used
  });
  it("shows the time since the claim, not the wait, once an agent has the chat", () => {
    const claimed: Card = { ...card, status: "claimed", claimed_by: "alice", claimed_by_zh: "客服 alice", claimed_at: "2026-12-02T01:40:00Z" };
    const now = Date.parse("2026-12-02T01:50:00Z");
    const text = mount(QueueCard, { props: { card: claimed, now, owner: "客服 alice" } }).text();
    expect(text).toContain("已接手 10 分钟");
    expect(text).not.toContain("等待");
  });
  it("asks to claim with the entry id without opening the chat", async () => {
    const wrapper = mount(QueueCard, { props: { card, now: Date.parse(card.created_at), claimable: true } });
    await wrapper.find("button.claim").trigger("click");
    expect(wrapper.emitted("claim")).toEqual([[7]]);
    expect(wrapper.emitted("open")).toBeUndefined();
  });
});
