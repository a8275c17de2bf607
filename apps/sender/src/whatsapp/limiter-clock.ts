/** The time the throughput limiter reads and waits on; tests give a clock they move by hand. */
export interface LimiterClock {
  /** Monotonic milliseconds. */
  now(): number;
  /** Runs `run` after `ms`; returns a cancel function. */
  setTimeout(run: () => void, ms: number): () => void;
}

export const realClock: LimiterClock = {
  now: () => performance.now(),
  setTimeout: (run, ms) => {
    const timer = setTimeout(run, ms);
    return () => clearTimeout(timer);
  },
};
