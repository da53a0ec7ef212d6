/** Keeping a dev shop between runs: one JSON file, replaced atomically so a crash never leaves half of it. */
import { randomBytes } from "node:crypto";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

import type { ShopData } from "./shop-data";

/** Writes a temporary file beside `file` and renames it over, so readers see the old or the new contents. */
export async function writeFileAtomically(file: string, contents: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeFile(temporary, contents);
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

export interface ShopAutosave {
  /** Saves now if a change is waiting; resolves when the file is written. */
  flush(): Promise<void>;
  /** Stops watching, after a last save. */
  stop(): Promise<void>;
}

/** Saves `store` to `file` once `delayMs` after a change (changes in between ride along); saves never overlap. */
export function autosaveShopData(
  store: ShopData,
  file: string,
  { delayMs = 250, onError = console.error }: { delayMs?: number; onError?: (error: unknown) => void } = {},
): ShopAutosave {
  let timer: NodeJS.Timeout | null = null;
  let dirty = false;
  let writing: Promise<void> = Promise.resolve();

  const write = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (!dirty) return writing;
    dirty = false;
    writing = writing.then(() => store.save(file)).catch(onError);
    return writing;
  };

  const unsubscribe = store.onChange(() => {
    dirty = true;
    timer ??= setTimeout(() => void write(), delayMs);
  });

  return {
    flush: write,
    async stop() {
      unsubscribe();
      await write();
    },
  };
}
