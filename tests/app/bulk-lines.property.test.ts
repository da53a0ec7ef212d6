/**
 * The history import reads a bulk line without zod when its own checks accept it
 * (`readBulkOrderLine`, `readBulkLineItemLine` in app/orders/payloads.ts). Held to the schemas here:
 * for lines whose fields are replaced by every kind of value (valid, absent, null, of the wrong type
 * or shape, out of bounds), the reader refuses exactly what the schema refuses, with the same issues,
 * and what it accepts makes the same snapshot as the schema's copy. Plus the amounts the lines carry:
 * `parseAmount` reads a decimal the same whichever of its two ways reads it.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";

import { formatAmount, parseAmount } from "../../app/orders/money";
import { BulkLineItemLine, BulkOrderLine, bulkOrderSnapshot, readBulkLineItemLine, readBulkOrderLine } from "../../app/orders/payloads";

const money = (amount: string) => ({
  shopMoney: { amount, currencyCode: "USD" },
});
const ORDER_ID = "gid://shopify/Order/5000000001";

const order: Record<string, unknown> = {
  id: ORDER_ID,
  name: "#1001",
  email: "Ann@Example.com",
  createdAt: "2024-01-01T10:00:00Z",
  updatedAt: "2024-01-02T10:00:00+02:00",
  cancelledAt: null,
  cancelReason: null,
  test: false,
  displayFinancialStatus: "PARTIALLY_REFUNDED",
  discountCodes: ["WELCOME10"],
  customer: { id: "gid://shopify/Customer/7000001" },
  subtotalPriceSet: money("45.00"),
  totalShippingPriceSet: money("5.00"),
  totalTaxSet: money("3.60"),
  totalDiscountsSet: money("5.00"),
  totalPriceSet: money("48.60"),
  currentSubtotalPriceSet: money("30.00"),
  currentShippingPriceSet: money("5.00"),
  currentTotalTaxSet: money("2.40"),
  refunds: [
    {
      id: "gid://shopify/Refund/9000000001",
      createdAt: "2024-01-03T10:00:00Z",
      totalRefundedSet: money("16.20"),
    },
  ],
};

const lineItem: Record<string, unknown> = {
  id: "gid://shopify/LineItem/6000000001",
  title: "Coffee",
  quantity: 2,
  product: { id: "gid://shopify/Product/1" },
  variant: { id: "gid://shopify/ProductVariant/11" },
  originalUnitPriceSet: money("25.00"),
  totalDiscountSet: money("5.00"),
  __parentId: ORDER_ID,
};

/** Values of every kind a field of a bulk line could hold. */
const kinds: unknown[] = [
  undefined,
  null,
  true,
  false,
  0,
  -1,
  1.5,
  2 ** 31,
  2 ** 31 - 1,
  "",
  "x",
  "12.50",
  "12,50",
  "1e3",
  "2024-05-05T00:00:00Z",
  "1999-12-31T23:59:59Z",
  "2100-01-01T00:00:00Z",
  "not a date",
  ORDER_ID,
  "gid://shopify/Customer/7",
  "gid://shopify/Refund/9",
  "gid://shopify/LineItem/1",
  "gid://shopify/Product/1",
  "gid://shopify/ProductVariant/1",
  "gid://shopify/Order/123456789012345678901",
  "gid://shopify/Order/1 ",
  `${"a".repeat(310)}@example.com`,
  `${"a".repeat(309)}@example.com`,
  [],
  ["CODE"],
  ["CODE", 1],
  [null],
  {},
  { id: "gid://shopify/Customer/7" },
  { id: 7 },
  { id: "gid://shopify/Customer/7", extra: 1 },
  money("1.00"),
  { shopMoney: { amount: "1.00" } },
  { shopMoney: { amount: "1.00", currencyCode: null } },
  { shopMoney: { amount: 1 } },
  { shopMoney: null },
  { shopMoney: [] },
  [money("1.00")],
  [
    {
      id: "gid://shopify/Refund/9",
      createdAt: null,
      totalRefundedSet: money("1.00"),
    },
  ],
  [
    {
      id: "gid://shopify/Refund/9",
      createdAt: "2024-01-03T10:00:00Z",
      totalRefundedSet: null,
    },
  ],
  [{ id: "gid://shopify/Refund/9", createdAt: "1999-01-01T00:00:00Z" }],
  [{ id: "gid://shopify/Order/9" }],
  [[]],
];
const anyValue = fc.oneof(fc.constantFrom(...kinds), fc.string(), fc.integer(), fc.double());

/** A sample line with some of its fields replaced (or removed, or added). */
const mutated = (sample: Record<string, unknown>) =>
  fc.uniqueArray(fc.tuple(fc.constantFrom(...Object.keys(sample), "unknownField"), anyValue), { maxLength: 4, selector: ([key]) => key }).map((changes) => {
    const line: Record<string, unknown> = { ...sample };
    for (const [key, value] of changes) {
      if (value === undefined) delete line[key];
      else line[key] = value;
    }
    return line;
  });

/** What reading does: its value, or the issues of the error it throws. */
function outcome<T>(read: () => T): { value: T } | { issues: unknown } {
  try {
    return { value: read() };
  } catch (error) {
    return {
      issues: error instanceof z.ZodError ? error.issues : String(error),
    };
  }
}

/** Reads an order line and its items both ways: the same issues, or the same snapshot. */
function readsAsTheSchemasDo(line: Record<string, unknown>, items: Record<string, unknown>[]) {
  const fast = outcome(() => readBulkOrderLine(line));
  const schema = outcome(() => BulkOrderLine.parse(line));
  expect("value" in fast).toBe("value" in schema);
  if (!("value" in fast) || !("value" in schema)) {
    expect(fast).toEqual(schema);
    return;
  }

  const fastItems = items.map((item) => outcome(() => readBulkLineItemLine(item)));
  const schemaItems = items.map((item) => outcome(() => BulkLineItemLine.parse(item)));
  expect(fastItems.map((item) => "value" in item)).toEqual(schemaItems.map((item) => "value" in item));
  fastItems.forEach((item, index) => {
    if (!("value" in item)) expect(item).toEqual(schemaItems[index]);
  });
  const accepted = <T>(read: ({ value: T } | { issues: unknown })[]) => read.flatMap((item) => ("value" in item ? [item.value] : []));
  expect(outcome(() => bulkOrderSnapshot(fast.value, accepted(fastItems)))).toEqual(outcome(() => bulkOrderSnapshot(schema.value, accepted(schemaItems))));
}

const replaced = (sample: Record<string, unknown>, key: string, value: unknown) => {
  const line: Record<string, unknown> = { ...sample, [key]: value };
  if (value === undefined) delete line[key];
  return line;
};

describe("bulk lines read without zod", () => {
  it("accept and refuse what the schemas do, with the same issues, into the same snapshots: each field of each kind", () => {
    for (const key of Object.keys(order)) for (const value of kinds) readsAsTheSchemasDo(replaced(order, key, value), [lineItem]);
    for (const key of Object.keys(lineItem)) for (const value of kinds) readsAsTheSchemasDo(order, [replaced(lineItem, key, value)]);
  });

  it("accept and refuse what the schemas do, with the same issues, into the same snapshots: several fields at once", () => {
    fc.assert(fc.property(mutated(order), fc.array(mutated(lineItem), { maxLength: 3 }), readsAsTheSchemasDo), { numRuns: 3_000 });
  });

  it("take the sample lines as they are", () => {
    expect(readBulkOrderLine(order)).toBe(order);
    expect(readBulkLineItemLine(lineItem)).toBe(lineItem);
  });
});

describe("amounts", () => {
  /** parseAmount before it read plain decimals digit by digit: the reference. */
  function byPattern(text: string) {
    const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text.trim());
    if (!match) throw new Error(`Not a decimal amount: ${text.trim()}`);
    const [, sign, whole, fraction = ""] = match;
    if (fraction.slice(4).replace(/0/g, "") !== "") throw new Error(`More than 4 decimals: ${text.trim()}`);
    const value = Number(whole) * 10_000 + Number(fraction.slice(0, 4).padEnd(4, "0"));
    if (!Number.isSafeInteger(value)) throw new Error(`Amount too large: ${text.trim()}`);
    return sign ? -value : value;
  }
  const decimalText = fc.oneof(
    fc.stringMatching(/^-?\d{1,17}(\.\d{0,7})?$/),
    fc.string({
      unit: fc.constantFrom(..."0123456789/:.- +e,"),
      maxLength: 20,
    }),
    fc.integer({ min: -(10 ** 15), max: 10 ** 15 }).map(formatAmount),
  );

  it("are read from a decimal's text the same whichever way reads them", () => {
    fc.assert(
      fc.property(decimalText, (text) => {
        expect(outcome(() => parseAmount(text))).toEqual(outcome(() => byPattern(text)));
      }),
      { numRuns: 20_000 },
    );
  });
});
