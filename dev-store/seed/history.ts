/**
 * A deterministic, realistic 18-month history for the demo shop: who bought what, when, in which
 * currency, and what was refunded or cancelled. Pure data; `apply.ts` plays it into the dev store
 * through the same mutations a real shop's checkout and admin perform.
 */

export interface SeedProduct {
  key: string;
  title: string;
  productType: string;
  /** Price in the shop currency, minor units. */
  priceCents: number;
  /** Days a unit typically lasts; null for things people do not re-buy on a schedule. */
  useUpDays: number | null;
}

export interface SeedCustomer {
  key: string;
  firstName: string;
  lastName: string;
  email: string;
  /** A storefront account (true) or a guest-checkout record (false). */
  hasAccount: boolean;
  acceptsEmailMarketing: boolean;
  createdAt: Date;
}

export interface SeedLine {
  productKey: string;
  quantity: number;
}

export interface SeedOrder {
  key: string;
  /** null: a guest checkout with no customer record at all. */
  customerKey: string | null;
  email: string | null;
  createdAt: Date;
  lines: SeedLine[];
  presentmentCurrency: string;
  discountCode: string | null;
  test: boolean;
  refund: { at: Date; lines: SeedLine[]; shipping: boolean } | null;
  cancellation: { at: Date; reason: "customer" | "fraud" | "inventory" | "declined" } | null;
}

export interface HistoryPlan {
  products: SeedProduct[];
  customers: SeedCustomer[];
  orders: SeedOrder[];
}

/** Units of shop currency (USD) one unit of each presentment currency is worth. */
export const DEMO_EXCHANGE_RATES: Record<string, number> = { USD: 1, EUR: 1.08, GBP: 1.27, CAD: 0.73 };

const PRODUCTS: SeedProduct[] = [
  { key: "coffee-beans", title: "House Espresso Beans 1 kg", productType: "Coffee", priceCents: 2400, useUpDays: 30 },
  { key: "decaf-beans", title: "Swiss Water Decaf 500 g", productType: "Coffee", priceCents: 1650, useUpDays: 30 },
  { key: "green-tea", title: "Sencha Green Tea 100 g", productType: "Tea", priceCents: 1400, useUpDays: 45 },
  { key: "shampoo", title: "Oat Milk Shampoo 500 ml", productType: "Hair care", priceCents: 1800, useUpDays: 60 },
  { key: "conditioner", title: "Argan Conditioner 500 ml", productType: "Hair care", priceCents: 1900, useUpDays: 60 },
  { key: "face-serum", title: "Vitamin C Face Serum 30 ml", productType: "Skin care", priceCents: 3800, useUpDays: 90 },
  { key: "moisturiser", title: "Daily Moisturiser SPF 30", productType: "Skin care", priceCents: 2900, useUpDays: 90 },
  { key: "vitamins", title: "Daily Multivitamin (90 tablets)", productType: "Supplements", priceCents: 2500, useUpDays: 90 },
  { key: "omega3", title: "Omega-3 Fish Oil (180 capsules)", productType: "Supplements", priceCents: 3200, useUpDays: 180 },
  { key: "protein", title: "Whey Protein Vanilla 2 kg", productType: "Supplements", priceCents: 5400, useUpDays: 45 },
  { key: "dog-food", title: "Grain-free Dog Food 10 kg", productType: "Pets", priceCents: 6200, useUpDays: 40 },
  { key: "cat-litter", title: "Clumping Cat Litter 12 l", productType: "Pets", priceCents: 1500, useUpDays: 21 },
  { key: "toothpaste", title: "Whitening Toothpaste (3 pack)", productType: "Oral care", priceCents: 1200, useUpDays: 90 },
  { key: "razor-blades", title: "Razor Blades (8 pack)", productType: "Shaving", priceCents: 2100, useUpDays: 120 },
  { key: "water-filter", title: "Water Filter Cartridge", productType: "Home", priceCents: 2700, useUpDays: 365 },
  { key: "candle", title: "Cedar & Sage Candle", productType: "Home", priceCents: 3400, useUpDays: null },
  { key: "mug", title: "Stoneware Mug", productType: "Home", priceCents: 2200, useUpDays: null },
  { key: "grinder", title: "Burr Coffee Grinder", productType: "Equipment", priceCents: 11900, useUpDays: null },
  { key: "tote", title: "Organic Cotton Tote", productType: "Accessories", priceCents: 1600, useUpDays: null },
  { key: "gift-box", title: "Morning Ritual Gift Box", productType: "Gifts", priceCents: 7500, useUpDays: null },
];

const FIRST_NAMES = [
  "Olivia", "Liam", "Emma", "Noah", "Ava", "Oliver", "Sophia", "Elijah", "Isabella", "Lucas", "Mia", "Mateo",
  "Amelia", "Ethan", "Harper", "Leo", "Evelyn", "Kai", "Aria", "Hugo", "Chloé", "Jonas", "Léa", "Finn",
  "Zoë", "Arjun", "Priya", "Mei", "Kenji", "Sofía", "Diego", "Aisha", "Omar", "Freya", "Niamh", "Seán",
];
const LAST_NAMES = [
  "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Martínez", "Lopez", "Wilson",
  "Anderson", "Taylor", "Thomas", "Moore", "Martin", "Lee", "Walker", "Hall", "Young", "King", "Wright",
  "Müller", "Schmidt", "Dubois", "Rossi", "Nakamura", "Patel", "Singh", "O'Brien", "Murphy", "Kowalski",
];

/** A small seeded PRNG (mulberry32): the same seed gives the same shop on every machine. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DAY_MS = 86_400_000;

export interface HistoryOptions {
  /** The history ends here (the demo's "now"). */
  end: Date;
  months?: number;
  customers?: number;
  seed?: number;
}

export function generateHistory({ end, months = 18, customers: customerCount = 2800, seed = 20261122 }: HistoryOptions): HistoryPlan {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const chance = (p: number) => random() < p;
  const start = new Date(end.getTime() - months * 30.4 * DAY_MS);
  const span = end.getTime() - start.getTime();
  const replenishable = PRODUCTS.filter((product) => product.useUpDays !== null);
  const durable = PRODUCTS.filter((product) => product.useUpDays === null);

  const customers: SeedCustomer[] = [];
  const orders: SeedOrder[] = [];
  let orderSeq = 0;

  const currency = () => {
    const roll = random();
    return roll < 0.75 ? "USD" : roll < 0.85 ? "EUR" : roll < 0.93 ? "GBP" : "CAD";
  };
  const orderAt = (day: Date) => {
    // Shoppers buy between 07:00 and 23:00 shop time (UTC-5), more in the evening.
    const hour = 12 + Math.floor(Math.sqrt(random()) * 16);
    return new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), hour % 24, Math.floor(random() * 60), Math.floor(random() * 60)) + (hour >= 24 ? DAY_MS : 0));
  };
  const addOrder = (customer: SeedCustomer | null, at: Date, lines: SeedLine[]) => {
    if (at.getTime() > end.getTime()) return;
    const refundRoll = random();
    const cancelled = chance(0.025);
    const order: SeedOrder = {
      key: `order-${++orderSeq}`,
      customerKey: customer?.key ?? null,
      email: customer?.email ?? `guest${orderSeq}@example.net`,
      createdAt: at,
      lines,
      presentmentCurrency: currency(),
      discountCode: chance(0.12) ? "WELCOME10" : null,
      test: chance(0.004),
      refund: null,
      cancellation: cancelled
        ? { at: new Date(at.getTime() + (1 + random() * 20) * 3_600_000), reason: pick(["customer", "customer", "inventory", "fraud", "declined"] as const) }
        : null,
    };
    if (!cancelled && refundRoll < 0.06) {
      const full = refundRoll < 0.025 || lines.length === 1;
      const refundLines = full ? lines : [{ ...lines[0], quantity: 1 }];
      order.refund = { at: new Date(at.getTime() + (3 + random() * 25) * DAY_MS), lines: refundLines, shipping: full };
      if (order.refund.at.getTime() > end.getTime()) order.refund = null;
    }
    orders.push(order);
  };
  const basket = (anchor: SeedProduct): SeedLine[] => {
    const lines: SeedLine[] = [{ productKey: anchor.key, quantity: chance(0.2) ? 2 : 1 }];
    if (chance(0.35)) {
      const extra = pick(chance(0.5) ? replenishable : durable);
      if (extra.key !== anchor.key) lines.push({ productKey: extra.key, quantity: 1 });
    }
    return lines;
  };

  for (let i = 0; i < customerCount; i++) {
    const firstName = pick(FIRST_NAMES);
    const lastName = pick(LAST_NAMES);
    // Newer months bring more customers: the shop is growing.
    const joined = new Date(start.getTime() + Math.sqrt(random()) * span);
    const hasAccount = chance(0.78);
    const customer: SeedCustomer = {
      key: `customer-${i + 1}`,
      firstName,
      lastName,
      email: `${firstName}.${lastName}.${i + 1}`.toLowerCase().normalize("NFD").replace(/[^a-z0-9.]/g, "") + "@example.com",
      hasAccount,
      acceptsEmailMarketing: chance(hasAccount ? 0.65 : 0.3),
      createdAt: joined,
    };
    customers.push(customer);

    const anchor = chance(0.85) ? pick(replenishable) : pick(durable);
    let at = orderAt(joined);
    addOrder(customer, at, basket(anchor));

    // Loyal customers re-buy around the product's use-up interval; others lapse after a while.
    const loyalty = random();
    if (loyalty < 0.3 || anchor.useUpDays === null) {
      if (anchor.useUpDays === null && chance(0.25)) {
        addOrder(customer, orderAt(new Date(at.getTime() + (20 + random() * 200) * DAY_MS)), basket(pick(replenishable)));
      }
      continue;
    }
    const interval = anchor.useUpDays;
    const staysFor = loyalty > 0.8 ? Infinity : (2 + Math.floor(random() * 6)) * interval;
    const lapsedAt = at.getTime() + staysFor * DAY_MS;
    for (;;) {
      const next = new Date(at.getTime() + interval * (0.8 + random() * 0.55) * DAY_MS);
      if (next.getTime() > end.getTime() || next.getTime() > lapsedAt) break;
      at = orderAt(next);
      addOrder(customer, at, basket(chance(0.85) ? anchor : pick(replenishable)));
    }
  }

  // Shoppers who checked out without any customer record.
  for (let i = 0; i < customerCount / 10; i++) {
    addOrder(null, orderAt(new Date(start.getTime() + random() * span)), basket(pick(PRODUCTS)));
  }

  orders.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  customers.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  return { products: PRODUCTS, customers, orders };
}
