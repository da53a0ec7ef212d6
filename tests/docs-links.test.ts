/**
 * Every relative link in README.md and docs/ points at a file that exists, and a link's #anchor at a
 * heading of that file (GitHub's heading ids), so moving or renaming a doc cannot leave a dead link.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? markdownFiles(full) : entry.name.endsWith(".md") ? [full] : [];
  });
}

/** The text outside fenced code blocks. */
function unfenced(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, "");
}

/** The text outside code, where a bracket is not a link. */
function prose(markdown: string): string {
  return unfenced(markdown).replace(/`[^`\n]*`/g, "");
}

/** GitHub's id for each heading: lower case, punctuation dropped, spaces as hyphens, repeats numbered. */
function headingIds(markdown: string): Set<string> {
  const ids = new Set<string>();
  const seen = new Map<string, number>();
  for (const [, heading] of unfenced(markdown).matchAll(/^#{1,6} +(.+?) *#* *$/gm)) {
    const text = heading.replace(/\[([^\]]*)\]\([^)]*\)/g, "$1").replace(/[*`]/g, "");
    const base = text.toLowerCase().replace(/[^\p{L}\p{N}\p{M} _-]/gu, "").replace(/ /g, "-");
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    ids.add(count === 0 ? base : `${base}-${count}`);
  }
  return ids;
}

function links(markdown: string): string[] {
  return [...prose(markdown).matchAll(/\]\(([^)\s]+)(?: "[^"]*")?\)/g)].map((match) => match[1]);
}

const files = [path.resolve("README.md"), ...markdownFiles(path.resolve("docs"))];

describe("the docs' links", () => {
  it("finds the README and the docs", () => {
    expect(files.length).toBeGreaterThan(10);
    expect(links(readFileSync("README.md", "utf8"))).toEqual(expect.arrayContaining(["docs/scaling.md", "docs/decisions/README.md"]));
  });

  it.each(files.map((file) => [path.relative(process.cwd(), file), file]))("%s: every relative link resolves", (_, file) => {
    const broken: string[] = [];
    for (const link of links(readFileSync(file, "utf8"))) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue;
      const [target, anchor] = link.split("#", 2);
      const resolved = target === "" ? file : path.resolve(path.dirname(file), decodeURIComponent(target));
      if (!existsSync(resolved)) {
        broken.push(`${link}: no such file`);
        continue;
      }
      if (anchor !== undefined && statSync(resolved).isFile() && resolved.endsWith(".md") && !headingIds(readFileSync(resolved, "utf8")).has(anchor)) {
        broken.push(`${link}: no heading #${anchor}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it("reads GitHub's heading ids as GitHub makes them", () => {
    expect(headingIds("## Webhooks: accepted, then applied\n## Security: what the HMAC does not cover\n## A\n## A")).toEqual(
      new Set(["webhooks-accepted-then-applied", "security-what-the-hmac-does-not-cover", "a", "a-1"]),
    );
    expect(links("[x](a.md) `[y](b.md)`\n```\n[z](c.md)\n```\n[w](d.md#e)")).toEqual(["a.md", "d.md#e"]);
  });
});
