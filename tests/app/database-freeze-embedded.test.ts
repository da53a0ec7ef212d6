import { describeDatabaseFreeze } from "../support/database-freeze";

// The embedded PostgreSQL (PGlite over its socket) behind a proxy that freezes.
await describeDatabaseFreeze("embedded");
