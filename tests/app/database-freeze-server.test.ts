import { describeDatabaseFreeze } from "../support/database-freeze";

// A fresh database on the PostgreSQL server behind a proxy that freezes (skipped without a server).
await describeDatabaseFreeze("server");
