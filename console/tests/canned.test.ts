import { describe, expect, it } from "vitest";
import { filterCanned, slashQuery } from "../src/logic/canned";

const replies = [
  { id: 1, title: "问候", text: "您好，我是人工客服。" },
  { id: 2, title: "请发照片", text: "麻烦您拍一下商品问题的照片。" },
  { id: 3, title: "查物流", text: "已为您联系快递核实物流情况。" },
];

describe("slash search", () => {
  it("opens on a leading slash, half- or full-width, and not mid-sentence", () => {
    expect(slashQuery("/")).toBe("");
    expect(slashQuery("/照片")).toBe("照片");
    expect(slashQuery("／物流")).toBe("物流");
    expect(slashQuery("请看 /照片")).toBeNull();
    expect(slashQuery("/照片 和")).toBeNull();
  });
  it("lists all for a bare slash and title matches before text matches", () => {
    expect(filterCanned(replies, "").map((r) => r.id)).toEqual([1, 2, 3]);
    expect(filterCanned(replies, "照片").map((r) => r.id)).toEqual([2]);
    expect(filterCanned(replies, "快递").map((r) => r.id)).toEqual([3]);
    expect(filterCanned(replies, "客服").map((r) => r.id)).toEqual([1]);
    expect(filterCanned(replies, "退款")).toEqual([]);
  });
});
