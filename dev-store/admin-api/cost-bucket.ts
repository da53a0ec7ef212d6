/**
 * The leaky bucket Shopify meters GraphQL Admin calls with, one per app and shop: a query may start
 * only if its requested cost is available; the difference to its actual cost is refunded afterwards.
 */
export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

export interface BucketSettings {
  maximumAvailable: number;
  restoreRate: number;
}

/** Shopify's standard plan; DevStoreConfig.throttle overrides it. */
export const STANDARD_BUCKET: BucketSettings = { maximumAvailable: 2000, restoreRate: 100 };

/** No single query may cost more, whatever the plan. */
export const SINGLE_QUERY_MAX_COST = 1000;

export class CostBucket {
  private available: number;
  private updatedAt: number;

  constructor(
    private readonly settings: BucketSettings,
    private readonly now: () => Date,
  ) {
    this.available = settings.maximumAvailable;
    this.updatedAt = now().getTime();
  }

  private restore(): void {
    const at = this.now().getTime();
    const seconds = Math.max(0, at - this.updatedAt) / 1000;
    this.available = Math.min(this.settings.maximumAvailable, this.available + seconds * this.settings.restoreRate);
    this.updatedAt = at;
  }

  status(): ThrottleStatus {
    this.restore();
    return {
      maximumAvailable: this.settings.maximumAvailable,
      currentlyAvailable: Math.floor(this.available),
      restoreRate: this.settings.restoreRate,
    };
  }

  /** Takes `cost` if that much is available now; false means the call is throttled. */
  take(cost: number): boolean {
    this.restore();
    if (cost > this.available) return false;
    this.available -= cost;
    return true;
  }

  refund(points: number): void {
    this.restore();
    this.available = Math.min(this.settings.maximumAvailable, this.available + points);
  }
}
