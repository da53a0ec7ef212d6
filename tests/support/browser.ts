import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { chromium, type Browser, type BrowserContextOptions, type Frame, type FrameLocator, type Page } from "playwright-core";

import { DESKTOP_USER_AGENT, type DevStore } from "../../dev-store/server";

export { DESKTOP_USER_AGENT };

export const CHROMIUM = "/usr/bin/chromium";

/** Where browser tests keep their screenshots (gitignored; CI can upload it). */
export const ARTIFACTS_DIR = path.resolve("test-artifacts");

/** Debian's headless Chromium, with the flags this closed network needs. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Browser tests need Chromium at ${CHROMIUM} (apt-get install -y chromium)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/** A page as a shopper or merchant has it: a desktop browser's user agent (the app turns bots away). */
export async function openPage(browser: Browser, options: BrowserContextOptions = {}): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    userAgent: DESKTOP_USER_AGENT,
    ...options,
  });
  return context.newPage();
}

/** An app page embedded in the dev store's admin, as a merchant opens it: the page, and the app's iframe. */
export async function openEmbeddedAdmin(browser: Browser, devStore: DevStore, appPath?: string): Promise<{ page: Page; frame: FrameLocator }> {
  const page = await openPage(browser);
  await page.goto(devStore.adminAppUrl(appPath));
  return { page, frame: page.frameLocator("#app-iframe") };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  const file = path.join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * The page's Largest Contentful Paint (ms from its navigation) and Cumulative Layout Shift so far,
 * as Chromium reports them (shifts right after input do not count, as in the CLS definition).
 */
export function webVitals(target: Page | Frame): Promise<{ lcp: number; cls: number }> {
  return target.evaluate(
    () =>
      new Promise<{ lcp: number; cls: number }>((resolve) => {
        let lcp = 0;
        let cls = 0;
        new PerformanceObserver((list) => {
          for (const entry of list.getEntries()) lcp = Math.max(lcp, entry.startTime);
        }).observe({ type: "largest-contentful-paint", buffered: true });
        new PerformanceObserver((list) => {
          for (const entry of list.getEntries() as (PerformanceEntry & { value: number; hadRecentInput: boolean })[]) {
            if (!entry.hadRecentInput) cls += entry.value;
          }
        }).observe({ type: "layout-shift", buffered: true });
        setTimeout(() => resolve({ lcp, cls }), 300);
      }),
  );
}
