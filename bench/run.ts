/**
 * npm run bench: every benchmark in one run on this machine, printed as one table of medians and
 * percentiles. Targets are checked here, never in tests. `npm run bench -- <name>` runs the
 * benchmarks whose file name contains <name>.
 *
 * Each benchmark runs in a process of its own: the app's build keeps one database pool per process,
 * and one benchmark's memory or leftover work must not be measured in the next.
 */
import { execFileSync, fork } from "node:child_process";
import { once } from "node:events";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";

import { formatTable, type BenchRow } from "./table";

interface Benchmark {
  title: string;
  run(): Promise<BenchRow[]>;
}

const dir = path.dirname(new URL(import.meta.url).pathname);

/** In a child: run one benchmark file and send its rows to the parent. */
async function runOne(file: string): Promise<void> {
  const benchmark = (await import(pathToFileURL(path.join(dir, file)).href)) as Benchmark;
  process.stderr.write(`${benchmark.title}…\n`);
  const rows = await benchmark.run();
  process.send!(rows, () => process.exit(0));
}

async function runAll(filter: string | undefined): Promise<void> {
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
  const failed: string[] = [];
  for (const file of files) {
    // The app's logs go to stderr with the progress lines; stdout carries only the table.
    const child = fork(path.join(dir, "run.ts"), ["--one", file], { execArgv: ["--import", "tsx"], stdio: ["ignore", 2, 2, "ipc"] });
    let received: BenchRow[] | null = null;
    child.on("message", (message) => (received = message as BenchRow[]));
    const [code] = (await once(child, "exit")) as [number | null];
    if (code !== 0 || !received) {
      failed.push(file);
      continue;
    }
    rows.push(...(received as BenchRow[]));
    process.stderr.write(`${formatTable(received)}\n`);
  }
  console.log(formatTable(rows));
  if (failed.length > 0) {
    console.error(`Failed: ${failed.join(", ")}`);
    process.exit(1);
  }
}

if (process.argv[2] === "--one") await runOne(process.argv[3]);
else await runAll(process.argv[2]);
