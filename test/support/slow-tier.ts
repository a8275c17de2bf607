// setupFilesAfterEnv of the integration and e2e tiers: they talk to real processes, so a
// test gets longer than jest's 5 s default (testTimeout is not a per-project option).
jest.setTimeout(process.env.JEST_SLOW_TIMEOUT_MS ? Number(process.env.JEST_SLOW_TIMEOUT_MS) : 180_000);
