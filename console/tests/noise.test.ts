import { describe, expect, it } from "vitest";
import { noiseNote } from "../src/logic/noise";

describe("noiseNote", () => {
  it("says nothing without a live model to compare with", () => {
    expect(noiseNote(null)).toBeNull();
    expect(noiseNote(undefined)).toBeNull();
  });

  it("says the two versions answer alike when nothing changed", () => {
    expect(noiseNote([0, 0])).toEqual({ text: "新旧版本在这个评测集上的分类判断完全相同。", real: false });
  });

  it("warns when the interval holds 0, with signed points", () => {
    const note = noiseNote([-0.008, 0.0165]);
    expect(note?.real).toBe(false);
    expect(note?.text).toContain("−0.8 到 +1.7 个百分点");
    expect(note?.text).toContain("分不出新旧版本的差别");
  });

  it("calls an interval above or below 0 a real rise or fall", () => {
    expect(noiseNote([0.004, 0.03])).toMatchObject({ real: true });
    expect(noiseNote([0.004, 0.03])?.text).toContain("提升");
    expect(noiseNote([-0.05, -0.01])?.text).toContain("下降");
  });
});
