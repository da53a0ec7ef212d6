process.env.BENCH_HISTORY_ORDERS = process.env.N ?? "50000";
const m = await import("./history-import.bench");
console.log(JSON.stringify(await m.run(), null, 1));
process.exit(0);
export {};
