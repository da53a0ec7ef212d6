/**
 * Open-loop HTTP load for the benchmarks, from a child process: requests leave on schedule whatever
 * the answers do, and each one's latency counts from when it was due, so a stall shows up in the
 * latencies rather than slowing the load down. The load runs in a process of its own, so it does not
 * queue behind the app's event loop (it still shares the machine's cores).
 *
 * A bench file both runs the load and is the child: `serveLoad(import.meta.url, generate)` at its top
 * level answers a parent's `loadFromChild(import.meta.url, load)`.
 */
import { fork } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";

export interface LoadResult {
  latencies: number[];
  /** Requests over the time from the first leaving to the last answered. */
  achievedRate: number;
  /** Requests not answered 200, and the first few reasons. */
  failed: number;
  failures: string[];
}

/** Sends `rate` requests a second for `seconds`, on schedule; `send(n)` makes the n-th and returns its answer. */
export async function openLoop(rate: number, seconds: number, send: (n: number) => Promise<{ response: Response; label?: string }>): Promise<LoadResult> {
  const failures: string[] = [];
  const one = async (n: number, due: number) => {
    try {
      const { response, label } = await send(n);
      await response.arrayBuffer();
      if (response.status !== 200) failures.push(`${label ? `${label} ` : ""}answered ${response.status}`);
    } catch (error) {
      failures.push(String(error));
    }
    return performance.now() - due;
  };
  const total = rate * seconds;
  const started = performance.now();
  const pending: Promise<number>[] = [];
  for (let n = 0; n < total; n++) {
    const due = started + (n * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(one(n, due));
  }
  const latencies = await Promise.all(pending);
  return { latencies, achievedRate: total / ((performance.now() - started) / 1000), failed: failures.length, failures: failures.slice(0, 5) };
}

/** Runs one round of load in a fresh child process of the bench file at `moduleUrl`. */
export function loadFromChild<Load>(moduleUrl: string, load: Load): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(moduleUrl), [], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
    child.once("message", (result) => {
      child.kill();
      resolve(result as LoadResult);
    });
    child.once("error", reject);
    child.once("exit", (code) => code && reject(new Error(`the load generator exited with ${code}`)));
    child.send(load as object);
  });
}

/** In the child (the bench file run directly): generates the load the parent sends, and answers with its result. */
export function serveLoad<Load>(moduleUrl: string, generate: (load: Load) => Promise<LoadResult>): void {
  if (process.argv[1] && moduleUrl === pathToFileURL(process.argv[1]).href) {
    process.once("message", async (load) => process.send?.(await generate(load as Load)));
  }
}
