import { execFileSync } from "node:child_process";

import { prepareEmbeddedTemplate } from "./database";

/**
 * HTTP tests run against the production build, so build once before any test file starts; on the
 * embedded database, every test file starts from one migrated template.
 */
export default async function setup() {
  await prepareEmbeddedTemplate();
  if (process.env.SKIP_APP_BUILD === "1") return;
  execFileSync(process.execPath, ["node_modules/@remix-run/dev/dist/cli.js", "vite:build"], {
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, NODE_ENV: "production" },
  });
}
