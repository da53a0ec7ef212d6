import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/** Every file of the production build (`npm run build`, which the test run makes first). */
function buildFiles(dir = path.resolve("build")): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? buildFiles(path.join(dir, entry.name)) : [path.join(dir, entry.name)],
  );
}

describe("the production build", () => {
  const scripts = buildFiles().filter((file) => /\.(m?js)$/.test(file));

  it("is there to check", () => {
    expect(scripts.some((file) => file.endsWith(path.join("server", "index.js")))).toBe(true);
  });

  it("contains none of the dev store: no token minting, no stand-in Shopify", () => {
    for (const file of scripts) {
      const code = readFileSync(file, "utf8");
      expect(code, file).not.toMatch(/dev-store\//);
      expect(code, file).not.toMatch(/mintSessionToken|createAdminHostHandler|ShopData/);
    }
  });
});
