import { describe, expect, it } from "vitest";
import { toCsv } from "../src/logic/csv";

describe("toCsv", () => {
  it("quotes commas, quotes and line breaks, and leaves plain cells alone", () => {
    const csv = toCsv(["商品", "工单"], [
      ["美的 4L 智能电饭煲", 12],
      ['说"漏水",很严重', null],
      ["第一行\n第二行", 0],
    ]);
    expect(csv).toBe('商品,工单\r\n美的 4L 智能电饭煲,12\r\n"说""漏水"",很严重",\r\n"第一行\n第二行",0\r\n');
  });
});
