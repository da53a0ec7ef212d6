/**
 * Settings every session the app opens on a PostgreSQL server starts with (pg's `options` startup
 * parameter). JIT compilation off: the app's statements are short (a dashboard's are tens of
 * milliseconds), and a planner that overestimates a join (the attribution query's code match, a
 * report over a million orders) would spend 50 ms to 2 s compiling it first. Not sent to the
 * embedded database, which has no JIT.
 */
export const SERVER_SESSION_OPTIONS = "-c jit=off";
