import path from "node:path";
import { defineConfig } from "prisma/config";
import { PrismaPg } from "@prisma/adapter-pg";

// Prisma runs without its native engines: migrations and queries go through the pg driver adapter.
export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: path.join("prisma", "schema.prisma"),
  migrations: { path: path.join("prisma", "migrations") },
  async adapter() {
    const connectionString = process.env.DATABASE_URL;
    if (!connectionString) {
      throw new Error(
        "DATABASE_URL is not set. `npm run setup` migrates a PostgreSQL server; the embedded database migrates itself at start.",
      );
    }
    // A short idle timeout lets the CLI exit as soon as it is done instead of holding the pool open.
    return new PrismaPg({ connectionString, max: 1, idleTimeoutMillis: 50 });
  },
});
