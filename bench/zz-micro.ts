import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../app/generated/prisma/client";
const url = "postgresql://postgres@127.0.0.1:5432/zz_wt3_micro";
const pool = new pg.Pool({ connectionString: url, max: 4 });
const db = new PrismaClient({ adapter: new PrismaPg(pool) });
await db.$queryRaw`SELECT 1`;
const N = 300;
async function time(label: string, fn: () => Promise<unknown>) {
  for (let i = 0; i < 20; i++) await fn();
  const c0 = process.cpuUsage(); const t = performance.now();
  for (let i = 0; i < N; i++) await fn();
  const c = process.cpuUsage(c0);
  console.log(label, "wall ms/op", ((performance.now() - t) / N).toFixed(3), "cpu ms/op", ((c.user + c.system) / 1000 / N).toFixed(3));
}
const id = "x";
await time("prisma findUnique", () => db.session.findUnique({ where: { id } }).catch(() => null));
await time("prisma $queryRaw", () => db.$queryRaw`SELECT id FROM "Session" WHERE id = ${id}`);
await time("prisma tx 10 findUnique", () => db.$transaction(async (tx) => { for (let i = 0; i < 10; i++) await tx.session.findUnique({ where: { id } }); }));
await time("prisma tx 10 $queryRaw", () => db.$transaction(async (tx) => { for (let i = 0; i < 10; i++) await tx.$queryRaw`SELECT id FROM "Session" WHERE id = ${id}`; }));
await time("prisma $queryRawUnsafe", () => db.$queryRawUnsafe(`SELECT $1::text AS id`, id));
await time("pg pool.query", () => pool.query({ name: "q", text: `SELECT $1::text AS id`, values: [id] }));
await time("prisma tx 10 raw", () => db.$transaction(async (tx) => { for (let i = 0; i < 10; i++) await tx.$queryRawUnsafe(`SELECT $1::text AS id`, id); }));
await time("pg tx 10", async () => { const c = await pool.connect(); await c.query("BEGIN"); for (let i = 0; i < 10; i++) await c.query({ name: "q", text: `SELECT $1::text AS id`, values: [id] }); await c.query("COMMIT"); c.release(); });
await db.$disconnect();
