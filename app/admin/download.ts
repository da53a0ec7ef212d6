/**
 * Saves a file the app serves at `path` (an admin resource route answering with Content-Disposition).
 * A fetch, not a link: App Bridge puts the session token on fetches only.
 */
export async function downloadFromApp(path: string, fallbackName: string): Promise<void> {
  const response = await fetch(path);
  if (!response.ok) throw new Error(`The download answered ${response.status}`);
  const name = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") ?? "")?.[1] ?? fallbackName;
  const url = URL.createObjectURL(await response.blob());
  const anchor = Object.assign(document.createElement("a"), { href: url, download: name });
  anchor.click();
  URL.revokeObjectURL(url);
}
