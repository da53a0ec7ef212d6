/** npm run build:account: the customer account extension's app address and bundles (scripts/customer-account-extension.ts). */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";

import { APP_URL_SOURCE, appUrlSource, BUNDLE_DIR, buildTargetBundle, extensionTargets } from "./customer-account-extension";

await writeFile(APP_URL_SOURCE, await appUrlSource());
await mkdir(BUNDLE_DIR, { recursive: true });
for (const { target, module, bundle } of await extensionTargets()) {
  await writeFile(bundle, await buildTargetBundle(target, module));
  console.log(`Wrote ${path.relative(process.cwd(), bundle)}`);
}
