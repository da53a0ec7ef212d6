/** Something placed as an order: its time and its Shopify id. */
export interface Placed {
  placedAt: Date;
  shopifyId: string;
}

const NUMERIC_TAIL = /(\d+)$/;

/**
 * Orders in the order they were placed, for sorting. Shopify stamps orders to the second, so two
 * orders of one second are told apart by their ids, which Shopify hands out in increasing order
 * (compared as numbers: `…/Order/10` comes after `…/Order/9`).
 */
export function byPlacement(a: Placed, b: Placed): number {
  const byTime = a.placedAt.getTime() - b.placedAt.getTime();
  if (byTime !== 0) return byTime;
  const idA = NUMERIC_TAIL.exec(a.shopifyId)?.[1];
  const idB = NUMERIC_TAIL.exec(b.shopifyId)?.[1];
  if (idA && idB) {
    const [numberA, numberB] = [BigInt(idA), BigInt(idB)];
    return numberA < numberB ? -1 : numberA > numberB ? 1 : 0;
  }
  return a.shopifyId < b.shopifyId ? -1 : a.shopifyId > b.shopifyId ? 1 : 0;
}
