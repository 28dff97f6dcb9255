export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function ratio(value: number, baseline: number): number {
  return baseline === 0 ? Number.NaN : value / baseline;
}

export const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

/** Runs `measure` `runs` times (after `warmups` discarded runs) and returns each run's result. */
export async function repeat<T>(runs: number, measure: () => Promise<T>, warmups = 0): Promise<T[]> {
  for (let i = 0; i < warmups; i++) await measure();
  const results: T[] = [];
  for (let i = 0; i < runs; i++) results.push(await measure());
  return results;
}
