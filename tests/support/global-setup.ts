import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

import { CHROMIUM } from "./browser";
import { prepareEmbeddedTemplate } from "./database";

/**
 * Browser tests drive Debian's Chromium (browser downloads are not possible here). A fresh machine
 * gets it on the first run when the tests run as root with apt; elsewhere the message says what to do.
 */
function ensureChromium() {
  if (existsSync(CHROMIUM)) return;
  if (process.getuid?.() !== 0 || !existsSync("/usr/bin/apt-get")) {
    throw new Error(`Browser tests need Chromium at ${CHROMIUM}: install it with \`sudo apt-get install -y chromium\`.`);
  }
  console.log(`Installing Chromium for the browser tests (apt-get install chromium)…`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
  execFileSync("apt-get", ["install", "-y", "-qq", "chromium"], { stdio: ["ignore", "ignore", "inherit"], env });
}

/**
 * HTTP tests run against the production build, so build once before any test file starts; on the
 * embedded database, every test file starts from one migrated template.
 */
export default async function setup() {
  ensureChromium();
  await prepareEmbeddedTemplate();
  if (process.env.SKIP_APP_BUILD === "1") return;
  execFileSync(process.execPath, ["node_modules/@remix-run/dev/dist/cli.js", "vite:build"], {
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, NODE_ENV: "production" },
  });
}
