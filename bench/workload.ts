// What every benchmark workload gives `npm run bench`: a name, the target, and the
// figures it measured. bench/run.ts finds the workloads under bench/workloads/*.bench.ts.

export interface BenchFigure {
  /** What was measured, in the product's words: "planSend calls/s (typical schedule)". */
  name: string;
  value: number;
  unit: string;
  /** The target, when it names one, and which way is better. */
  target?: { value: number; better: 'higher' | 'lower' };
  /** Context worth keeping next to the figure (sizes, settings). */
  note?: string;
}

export interface BenchContext {
  /** Kafka and PostgreSQL of the local stack; absent for pure (CPU-only) workloads. */
  kafkaBrokers?: string;
  databaseUrl?: string;
  /** Smaller sizes for a smoke run (`npm run bench -- --quick`). */
  quick: boolean;
  log(message: string): void;
}

export interface BenchWorkload {
  name: string;
  description: string;
  /** Whether the workload needs the local stack (Kafka + PostgreSQL). */
  needsStack: boolean;
  run(ctx: BenchContext): Promise<BenchFigure[]>;
}

export function passes(figure: BenchFigure): boolean | undefined {
  if (!figure.target) return undefined;
  return figure.target.better === 'higher' ? figure.value >= figure.target.value : figure.value <= figure.target.value;
}
