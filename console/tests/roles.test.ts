import { describe, expect, it } from "vitest";
import { canSee, navFor } from "../src/router";

describe("role-aware navigation", () => {
  it("shows each role its pages", () => {
    const names = (roles: Parameters<typeof navFor>[0]) => navFor(roles).map((r) => r.name);
    expect(names(["agent"])).toEqual(["workbench", "cases", "canned", "alerts"]);
    expect(names(["trainer"])).toEqual(["training"]);
    expect(names(["supervisor"])).toEqual(["cases", "canned", "reports", "alerts"]);
    expect(names(["agent", "trainer", "supervisor", "admin"])).toEqual([
      "workbench",
      "cases",
      "canned",
      "training",
      "reports",
      "alerts",
    ]);
  });
  it("lets a person in when any of their roles is allowed", () => {
    expect(canSee(["trainer", "agent"], ["agent"])).toBe(true);
    expect(canSee(["trainer"], ["agent", "supervisor"])).toBe(false);
  });
});
