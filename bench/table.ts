/** One line of `npm run bench`: what was measured, the number, its unit, and the target if any. */
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  /** e.g. ">= 1000" or "< 100"; shown beside the value and checked (never in tests: machines are noisy). */
  target?: string;
  note?: string;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function meetsTarget(row: BenchRow): boolean | null {
  const match = row.target?.match(/^(>=|<=|<|>)\s*([\d.]+)$/);
  if (!match) return null;
  const limit = Number(match[2]);
  switch (match[1]) {
    case ">=":
      return row.value >= limit;
    case ">":
      return row.value > limit;
    case "<=":
      return row.value <= limit;
    default:
      return row.value < limit;
  }
}

export function formatTable(rows: BenchRow[]): string {
  const cells = rows.map((row) => {
    const verdict = meetsTarget(row);
    return [
      row.name,
      `${Number.isInteger(row.value) ? row.value : row.value.toFixed(row.value < 10 ? 2 : 1)} ${row.unit}`,
      row.target ? `${row.target} ${row.unit} ${verdict === null ? "" : verdict ? "✓" : "✗"}`.trim() : "",
      row.note ?? "",
    ];
  });
  const header = ["measurement", "result", "target", "note"];
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((row) => row[column].length)));
  const line = (values: string[]) => `| ${values.map((value, column) => value.padEnd(widths[column])).join(" | ")} |`;
  return [line(header), `|${widths.map((width) => "-".repeat(width + 2)).join("|")}|`, ...cells.map(line)].join("\n");
}
