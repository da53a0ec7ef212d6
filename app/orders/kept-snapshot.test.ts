/** The order snapshot acceptance keeps beside the raw body reads back as the snapshot the body gives. */
import { describe, expect, it } from "vitest";

import { samplePayload } from "../../tests/support/webhooks";
import { keptOrderSnapshot, OrderPayload, orderSnapshot, revivedOrderSnapshot } from "./payloads";

const read = (payload: unknown) => orderSnapshot(OrderPayload.parse(payload));

describe("a kept order snapshot", () => {
  it("reads back equal for Shopify's samples: a cancelled order with refunds and a customer, and a paid one fulfilled without either", () => {
    const sample = samplePayload<Record<string, unknown>>("orders/paid");
    const cancelled = read(sample);
    expect(cancelled.refunds.length + cancelled.lineItems.length).toBeGreaterThan(0);
    expect(revivedOrderSnapshot(keptOrderSnapshot(cancelled))).toEqual(cancelled);

    const paid = read({
      ...sample,
      financial_status: "paid",
      cancelled_at: null,
      refunds: [],
      customer: null,
      fulfillments: [{ created_at: "2026-03-01T10:00:00.123456Z", status: "success" }],
    });
    expect(paid.fulfilledAt).toBeInstanceOf(Date);
    const revived = revivedOrderSnapshot(keptOrderSnapshot(paid));
    expect(revived).toEqual(paid);
    expect(revived?.placedAt).toBeInstanceOf(Date);
  });

  it("is not read when another version of the app kept it: the body is read instead", () => {
    const kept = JSON.parse(keptOrderSnapshot(read(samplePayload("orders/paid")))) as { v: number };
    expect(revivedOrderSnapshot(JSON.stringify({ ...kept, v: kept.v + 1 }))).toBeNull();
  });
});
