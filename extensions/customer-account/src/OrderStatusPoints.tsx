/** @jsxImportSource preact */
/**
 * A block on each order's status page in the customer's account
 * (customer-account.order-status.block.render): "This order earned N points", or that they are
 * pending, or that it earned none.
 */
import "@shopify/ui-extensions/preact";
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";

import { loadOrderPoints, pointsLabel, type OrderPoints } from "./app-api";

export default async () => {
  render(<OrderStatusPoints />, document.body);
};

const t = (key: string, replacements?: Record<string, string | number>) => shopify.i18n.translate(key, replacements) as string;

/** The sentence for what the order earned. */
function sentence(answer: OrderPoints): string {
  const points = (value: number) => pointsLabel(value, answer.pointsName, (n) => shopify.i18n.formatNumber(n));
  switch (answer.status) {
    case "earned":
      return t("order.earned", { points: points(answer.points) });
    case "pending":
      return answer.points !== null && answer.availableAt
        ? t("order.pending_points", { points: points(answer.points), date: shopify.i18n.formatDate(new Date(answer.availableAt), { dateStyle: "medium" }) })
        : t("order.pending");
    case "none":
      return t("order.none");
  }
}

function OrderStatusPoints() {
  const orderId = shopify.order.value?.id ?? null;
  const [answer, setAnswer] = useState<OrderPoints | null>(null);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    if (!orderId) return;
    loadOrderPoints(shopify.sessionToken, orderId).then(setAnswer, () => setFailed(true));
  }, [orderId]);

  if (!orderId || (!answer && !failed)) return null;
  return (
    <s-section heading={t("order.heading")}>
      <s-text id="order-points">{answer ? sentence(answer) : t("order.unavailable")}</s-text>
    </s-section>
  );
}
