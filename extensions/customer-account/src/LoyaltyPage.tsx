/** @jsxImportSource preact */
/**
 * The loyalty page in the customer's account (customer-account.page.render): the balance, rewards to
 * redeem (the code shown at once), the codes already redeemed, the referral link to copy, the history,
 * and the tier and birthday once the program has them.
 */
import "@shopify/ui-extensions/preact";
import { render } from "preact";
import { useCallback, useEffect, useState } from "preact/hooks";

import { loadAccount, pointsLabel, redeem, saveBirthday, type LoyaltyAccount, type RedeemAnswer } from "./app-api";

export default async () => {
  render(<LoyaltyPage />, document.body);
};

const t = (key: string, replacements?: Record<string, string | number>) => shopify.i18n.translate(key, replacements) as string;
const date = (iso: string) => shopify.i18n.formatDate(new Date(iso), { dateStyle: "medium" });

function LoyaltyPage() {
  const [account, setAccount] = useState<LoyaltyAccount | null>(null);
  const [failed, setFailed] = useState(false);

  const load = useCallback(() => {
    setFailed(false);
    loadAccount(shopify.sessionToken).then(setAccount, () => setFailed(true));
  }, []);
  useEffect(load, [load]);

  if (failed && !account) {
    return (
      <s-page heading={t("page.title")}>
        <s-banner tone="critical" heading={t("page.unavailable")}>
          <s-button onClick={load}>{t("page.retry")}</s-button>
        </s-banner>
      </s-page>
    );
  }
  if (!account) {
    return (
      <s-page heading={t("page.title")}>
        <s-section>
          <s-stack direction="inline" gap="base" alignItems="center">
            <s-spinner accessibilityLabel={t("page.loading")} />
            <s-text>{t("page.loading")}</s-text>
          </s-stack>
        </s-section>
      </s-page>
    );
  }

  const name = account.customer?.firstName;
  return (
    <s-page heading={t("page.title")} subheading={name ? t("page.greeting", { name }) : t("page.greeting_anonymous")}>
      <s-stack gap="large">
        <Balance account={account} />
        <Rewards account={account} onRedeemed={setAccount} />
        {account.myRewards.length > 0 ? <MyRewards account={account} /> : null}
        {account.referral ? <Referral url={account.referral.url} /> : null}
        {"birthday" in account ? <Birthday birthday={account.birthday ?? null} onSaved={setAccount} /> : null}
        <History account={account} />
      </s-stack>
    </s-page>
  );
}

const points = (account: LoyaltyAccount, value: number) => pointsLabel(value, account.program.pointsName, (n) => shopify.i18n.formatNumber(n));

function Balance({ account }: { account: LoyaltyAccount }) {
  return (
    <s-section heading={t("balance.heading")}>
      <s-stack gap="small-200">
        <s-heading id="points-balance">{points(account, account.points.balance)}</s-heading>
        <s-text color="subdued">{t("balance.available")}</s-text>
        {account.points.pending > 0 ? <s-text>{t("balance.pending", { points: points(account, account.points.pending), days: account.program.pendingDays })}</s-text> : null}
        {account.expiring ? (
          <s-text>{t("balance.expiring", { points: points(account, account.expiring.points), date: shopify.i18n.formatDate(new Date(account.expiring.expiresAt), { dateStyle: "medium", timeZone: account.program.timezone }) })}</s-text>
        ) : null}
        {account.tier ? (
          <s-stack direction="inline" gap="small" alignItems="center">
            <s-badge tone="neutral">{t("balance.tier", { tier: account.tier.name })}</s-badge>
            {account.tier.next ? <s-text color="subdued">{t("balance.next_tier", { points: account.tier.next.amountToGo ?? points(account, account.tier.next.pointsToGo), tier: account.tier.next.name })}</s-text> : null}
          </s-stack>
        ) : null}
      </s-stack>
    </s-section>
  );
}

function Rewards({ account, onRedeemed }: { account: LoyaltyAccount; onRedeemed: (account: LoyaltyAccount) => void }) {
  const [redeeming, setRedeeming] = useState<string | null>(null);
  const [answer, setAnswer] = useState<(RedeemAnswer & { rewardName: string }) | null>(null);

  async function redeemReward(reward: LoyaltyAccount["rewards"][number]) {
    setRedeeming(reward.id);
    setAnswer(null);
    try {
      const result = await redeem(shopify.sessionToken, reward.id, crypto.randomUUID());
      setAnswer({ ...result, rewardName: reward.name });
      if (result.ok) onRedeemed(result.account);
    } catch (error) {
      setAnswer({ ok: false, error: (error as Error).message, rewardName: reward.name });
    } finally {
      setRedeeming(null);
    }
  }

  return (
    <s-section heading={t("rewards.heading")}>
      <s-stack gap="base">
        {answer?.ok ? (
          <s-banner tone="success" heading={t("rewards.success_heading", { reward: answer.reward })}>
            <s-stack gap="small">
              <s-text>{t("rewards.success_body", { code: answer.code, date: date(answer.endsAt) })}</s-text>
              <s-stack direction="inline" gap="small" alignItems="center">
                <s-text type="strong" id="redeemed-code">{answer.code}</s-text>
                <CopyButton id="copy-code" text={answer.code} label={t("rewards.copy_code")} />
              </s-stack>
            </s-stack>
          </s-banner>
        ) : null}
        {answer && !answer.ok ? (
          <s-banner tone="critical" heading={t("rewards.failure_heading")}>
            <s-stack gap="small-200">
              <s-text>{answer.error}</s-text>
              {answer.points ? <s-text>{t("rewards.points_back", { points: points(account, answer.points.balance) })}</s-text> : null}
            </s-stack>
          </s-banner>
        ) : null}
        {account.rewards.length === 0 ? <s-text color="subdued">{t("rewards.empty")}</s-text> : null}
        {account.rewards.map((reward) => (
          <s-stack key={reward.id} direction="inline" gap="base" alignItems="center" justifyContent="space-between">
            <s-stack gap="small-300">
              <s-text type="strong">{reward.name}</s-text>
              <s-text color="subdued">
                {reward.affordable ? t("rewards.cost", { points: points(account, reward.cost) }) : t("rewards.short", { points: points(account, reward.cost - account.points.balance) })}
              </s-text>
            </s-stack>
            <s-button
              variant={reward.affordable ? "primary" : "secondary"}
              disabled={!reward.affordable || (redeeming !== null && redeeming !== reward.id)}
              loading={redeeming === reward.id}
              accessibilityLabel={t("rewards.redeem_label", { reward: reward.name })}
              onClick={() => redeemReward(reward)}
            >
              {t("rewards.redeem")}
            </s-button>
          </s-stack>
        ))}
      </s-stack>
    </s-section>
  );
}

function MyRewards({ account }: { account: LoyaltyAccount }) {
  return (
    <s-section heading={t("my_rewards.heading")}>
      <s-stack gap="base">
        {account.myRewards.map((mine) => (
          <s-stack key={mine.code} direction="inline" gap="base" alignItems="center" justifyContent="space-between">
            <s-stack gap="small-300">
              <s-text type="strong">{mine.code}</s-text>
              <s-text color="subdued">
                {mine.name}
                {mine.status === "unused" ? ` · ${t("my_rewards.ends", { date: date(mine.endsAt) })}` : ""}
              </s-text>
            </s-stack>
            <s-badge tone={mine.status === "unused" ? "auto" : "neutral"}>{t(`my_rewards.status.${mine.status}`)}</s-badge>
          </s-stack>
        ))}
      </s-stack>
    </s-section>
  );
}

function Referral({ url }: { url: string }) {
  return (
    <s-section heading={t("referral.heading")}>
      <s-stack gap="small">
        <s-paragraph>{t("referral.body")}</s-paragraph>
        <s-stack direction="inline" gap="small" alignItems="center">
          <s-text id="referral-link">{url}</s-text>
          <CopyButton id="copy-referral" text={url} label={t("referral.copy")} />
        </s-stack>
      </s-stack>
    </s-section>
  );
}

/** A button that copies `text` through the platform's clipboard item, and says so once it did. */
function CopyButton({ id, text, label }: { id: string; text: string; label: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <>
      <s-button variant="secondary" command="--copy" commandFor={id}>
        {copied ? t("copied") : label}
      </s-button>
      <s-clipboard-item id={id} text={text} onCopy={() => setCopied(true)} />
    </>
  );
}

/** The birthday the customer gave, and a month and day to give or change it (POST /customer-account/birthday). */
function Birthday({ birthday, onSaved }: { birthday: string | null; onSaved: (account: LoyaltyAccount) => void }) {
  const monthDay = birthday ? /^--(\d{2})-(\d{2})$/.exec(birthday) : null;
  const [month, setMonth] = useState(monthDay ? String(Number(monthDay[1])) : "");
  const [day, setDay] = useState(monthDay ? String(Number(monthDay[2])) : "");
  const [saving, setSaving] = useState(false);
  const [answer, setAnswer] = useState<{ ok: boolean; message: string } | null>(null);
  const valueOf = (event: Event) => String((event.currentTarget as unknown as { value: string }).value ?? "");
  const save = async () => {
    setSaving(true);
    setAnswer(null);
    const result = await saveBirthday(shopify.sessionToken, month, day).catch((error: Error) => ({ ok: false as const, error: error.message }));
    setSaving(false);
    if (result.ok) onSaved(result.account);
    setAnswer(result.ok ? { ok: true, message: t("birthday.saved") } : { ok: false, message: result.error });
  };
  const monthName = (index: number) => shopify.i18n.formatDate(new Date(Date.UTC(2000, index, 1)), { month: "long", timeZone: "UTC" });
  return (
    <s-section heading={t("birthday.heading")}>
      <s-stack gap="base">
        <s-text>{monthDay ? t("birthday.body", { date: shopify.i18n.formatDate(new Date(Date.UTC(2000, Number(monthDay[1]) - 1, Number(monthDay[2]))), { month: "long", day: "numeric", timeZone: "UTC" }) }) : t("birthday.missing")}</s-text>
        <s-stack direction="inline" gap="base" alignItems="end">
          <s-select id="birthday-month" label={t("birthday.month")} value={month} onChange={(event: Event) => setMonth(valueOf(event))}>
            {Array.from({ length: 12 }, (_, index) => (
              <s-option key={index} value={String(index + 1)}>
                {monthName(index)}
              </s-option>
            ))}
          </s-select>
          <s-number-field id="birthday-day" label={t("birthday.day")} min={1} max={31} value={day} onChange={(event: Event) => setDay(valueOf(event))} />
          <s-button onClick={save} loading={saving}>
            {t("birthday.save")}
          </s-button>
        </s-stack>
        {answer ? (
          <s-text id="birthday-answer" tone={answer.ok ? "success" : "critical"}>
            {answer.message}
          </s-text>
        ) : null}
      </s-stack>
    </s-section>
  );
}

function History({ account }: { account: LoyaltyAccount }) {
  return (
    <s-section heading={t("history.heading")}>
      {account.history.length === 0 ? (
        <s-text color="subdued">{t("history.empty")}</s-text>
      ) : (
        <s-stack gap="small">
          {account.history.map((entry, index) => (
            <s-stack key={`${entry.at}-${index}`} direction="inline" gap="base" justifyContent="space-between">
              <s-stack gap="small-300">
                <s-text>{entry.reason}</s-text>
                <s-text color="subdued">{shopify.i18n.formatDate(new Date(entry.at), { dateStyle: "medium", timeZone: account.program.timezone })}</s-text>
              </s-stack>
              <s-text type="strong" tone={entry.points < 0 ? "critical" : "success"}>
                {entry.points > 0 ? "+" : ""}
                {points(account, entry.points)}
              </s-text>
            </s-stack>
          ))}
        </s-stack>
      )}
    </s-section>
  );
}
