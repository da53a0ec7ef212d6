/**
 * npm run bench: every benchmark in one run on this machine, printed as one table of medians and
 * percentiles. Targets are checked here, never in tests. `npm run bench -- <name>` runs the
 * benchmarks whose file name contains <name>.
 */
import { execFileSync } from "node:child_process";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";

import { formatTable, type BenchRow } from "./table";

interface Benchmark {
  title: string;
  run(): Promise<BenchRow[]>;
}

const filter = process.argv[2];
const dir = path.dirname(new URL(import.meta.url).pathname);
const files = (await readdir(dir)).filter((file) => file.endsWith(".bench.ts") && (!filter || file.includes(filter))).sort();

// The benchmarks serve the production build: build it from this tree first, as the tests do, so a
// stale build/ is never what gets measured (SKIP_APP_BUILD=1 for a rerun on the same tree).
if (process.env.SKIP_APP_BUILD !== "1") {
  execFileSync(process.execPath, ["node_modules/@remix-run/dev/dist/cli.js", "vite:build"], {
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, NODE_ENV: "production" },
  });
}

const rows: BenchRow[] = [];
for (const file of files) {
  const benchmark = (await import(pathToFileURL(path.join(dir, file)).href)) as Benchmark;
  process.stderr.write(`${benchmark.title}…\n`);
  rows.push(...(await benchmark.run()));
}
console.log(formatTable(rows));
process.exit(0);
