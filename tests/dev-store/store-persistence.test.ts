/** The dev shop survives a restart: saved as one JSON file, atomically, and read back unchanged. */
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterEach, describe, expect, it } from "vitest";

import { DEV_SHOP } from "../../dev-store/config";
import { autosaveShopData } from "../../dev-store/store/persistence";
import { ShopData } from "../../dev-store/store/shop-data";

const folders: string[] = [];
async function scratchFolder(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), "dev-store-shop-"));
  folders.push(folder);
  return folder;
}
afterEach(async () => {
  await Promise.all(folders.splice(0).map((folder) => rm(folder, { recursive: true, force: true })));
});

function shopWithHistory(): ShopData {
  const store = ShopData.create({ myshopifyDomain: DEV_SHOP, name: "Demo Loyalty" });
  const beans = store.createProduct({ title: "Beans", variants: [{ price: "18.00" }] });
  const ada = store.createCustomer({ firstName: "Ada", email: "ada@example.com", hasAccount: true });
  const order = store.createOrder({ customerId: ada.id, lineItems: [{ variantId: beans.variants[0].id, quantity: 3 }], createdAt: "2024-05-01T10:00:00Z" });
  store.refundOrder(order.id, { lineItems: [{ lineItemId: order.lineItems[0].id, quantity: 1 }], at: "2024-05-03T10:00:00Z" });
  store.recordInstallation("loyalty-app", ["read_orders"]);
  store.setMetafields([{ ownerId: ada.id, namespace: "loyalty", key: "tier", type: "single_line_text_field", value: "gold" }]);
  return store;
}

describe("saving and loading a shop", () => {
  it("reads back exactly what was saved, and new ids continue after the saved ones", async () => {
    const file = join(await scratchFolder(), "shop.json");
    const original = shopWithHistory();
    await original.save(file);

    const loaded = await ShopData.load(file);
    expect(loaded.snapshot()).toEqual(original.snapshot());
    expect(loaded.customerStatistics(loaded.customers()[0].id)).toEqual(original.customerStatistics(original.customers()[0].id));

    const next = loaded.createCustomer({ email: "grace@example.com" });
    expect(original.customer(next.id)).toBeUndefined();
    expect(Number(next.id.split("/").pop())).toBeGreaterThan(Number(loaded.customers()[0].id.split("/").pop()));
    expect(() => loaded.createCustomer({ email: "ada@example.com" })).toThrow(/already been taken/);
  });

  it("replaces the file atomically and leaves no temporary file behind", async () => {
    const folder = await scratchFolder();
    const file = join(folder, "shop.json");
    const store = shopWithHistory();
    await store.save(file);
    store.createCustomer({ email: "second@example.com" });
    await store.save(file);
    expect(await readdir(folder)).toEqual(["shop.json"]);
    expect(JSON.parse(await readFile(file, "utf8")).customers).toHaveLength(2);
  });

  it("autosave writes once after a burst of changes, and flushes on stop", async () => {
    const file = join(await scratchFolder(), "shop.json");
    const store = shopWithHistory();
    const autosave = autosaveShopData(store, file, { delayMs: 20 });
    for (let index = 0; index < 5; index++) store.createCustomer({ email: `burst${index}@example.com` });
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect((await ShopData.load(file)).customers()).toHaveLength(6);

    store.createCustomer({ email: "last@example.com" });
    await autosave.stop();
    expect((await ShopData.load(file)).customers()).toHaveLength(7);
  });
});
