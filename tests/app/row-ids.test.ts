import { describe, expect, it } from "vitest";

import { newRowIds } from "../../app/orders/store.server";

describe("new rows' ids", () => {
  it("are distinct UUIDv7s stamped with the time they were made", () => {
    const before = Date.now();
    const ids = newRowIds(1000);
    const after = Date.now();
    expect(new Set(ids).size).toBe(1000);
    for (const id of ids) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const millis = parseInt(id.replace(/-/g, "").slice(0, 12), 16);
      expect(millis).toBeGreaterThanOrEqual(before);
      expect(millis).toBeLessThanOrEqual(after);
    }
    expect(newRowIds(0)).toEqual([]);
  });
});
