/** A sink for human-readable progress lines; the CLI and jest's global setup write them to stderr. */
export type Log = (line: string) => void;

export const stderrLog: Log = (line) => process.stderr.write(`[stack] ${line}\n`);

export const silentLog: Log = () => undefined;

/** Runs `fn` and returns its result with the milliseconds it took. */
export async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const result = await fn();
  return [result, Math.round(performance.now() - start)];
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
