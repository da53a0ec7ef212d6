/** npm run build:widget: writes the storefront widget's minified script into the theme app extension. */
import { writeFile } from "node:fs/promises";

import { buildWidgetScript, WIDGET_ASSET } from "../storefront-widget/build";

await writeFile(WIDGET_ASSET, await buildWidgetScript());
// What the command did, for the person who ran it.
process.stdout.write(`Wrote ${WIDGET_ASSET}\n`);
