import pg from "pg";
import { randomUUID } from "node:crypto";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../app/generated/prisma/client";
const url = "postgresql://postgres@127.0.0.1:5432/zz_wt3_micro";
const pool = new pg.Pool({ connectionString: url, max: 2 });
const db = new PrismaClient({ adapter: new PrismaPg(pool) });
await pool.query(`DELETE FROM "Order"`); await pool.query(`DELETE FROM "Shop"`);
await pool.query(`INSERT INTO "Shop" (id, domain, "updatedAt") VALUES ('s1','b.myshopify.com', now())`);
let k = 0;
const batch = (n: number) => { const ids: string[] = [], gids: string[] = [], amt: string[] = [], at: string[] = []; for (let i = 0; i < n; i++) { ids.push(randomUUID()); gids.push(`gid://shopify/Order/${k++}`); amt.push("45.0000"); at.push(new Date().toISOString()); } return { ids, gids, amt, at }; };
const sql = `INSERT INTO "Order" (id, "shopId", "shopifyId", name, "currencyCode", "financialStatus", subtotal, shipping, tax, "totalDiscounts", total, "discountCodes", "placedAt", "shopifyUpdatedAt", "createdAt", "updatedAt")
 SELECT t.id, 's1', t.gid, t.gid, 'USD', 'paid', t.a, t.a, t.a, t.a, t.a, '{}', t.at::timestamp, t.at::timestamp, now(), now() FROM unnest($1::text[], $2::text[], $3::numeric[], $4::text[]) AS t(id, gid, a, at)`;
for (const [label, run] of [
  ["pg", async (b: any) => pool.query(sql, [b.ids, b.gids, b.amt, b.at])],
  ["prisma unsafe", async (b: any) => db.$executeRawUnsafe(sql, b.ids, b.gids, b.amt, b.at)],
  ["pg", async (b: any) => pool.query(sql, [b.ids, b.gids, b.amt, b.at])],
] as const) {
  const t = performance.now(); const c0 = process.cpuUsage();
  for (let i = 0; i < 10; i++) await run(batch(2000));
  const c = process.cpuUsage(c0);
  console.log(label, Math.round(20000 / ((performance.now() - t) / 1000)), "rows/s; node cpu ms", Math.round((c.user + c.system) / 1000));
}
await db.$disconnect();
