/** Program settings whose zero switches a feature off: the Program page says so before and after saving. */
export const SWITCHED_OFF_BY_ZERO = {
  welcomePoints: "new accounts earn no welcome points",
  secondPurchaseBonus: "second orders earn no bonus",
  pointsPerCurrencyUnit: "orders earn no points for what they spend",
  referrerPoints: "referrers earn nothing for a friend's first order",
  referralFriendDiscountPercent: "friends get no first-order discount",
  referralMonthlyRewardLimit: "referrers earn nothing for referrals",
} as const;

