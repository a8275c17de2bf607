// `npm run test:faults`: the fault tests. They stop and restart brokers, databases and
// services, so they run on a stack of their own (see pipeline.fault-spec.ts), one file at a
// time, apart from the other tiers. Transform and path aliases come from the root config.
const path = require('node:path');
const root = require('../../jest.config.js');

const { transform, moduleNameMapper } = root.projects[0];

module.exports = {
  rootDir: path.join(__dirname, '../..'),
  displayName: 'faults',
  testEnvironment: 'node',
  transform,
  moduleNameMapper,
  testMatch: ['<rootDir>/test/faults/**/*.fault-spec.ts'],
  setupFilesAfterEnv: ['<rootDir>/test/support/slow-tier.ts'],
  maxWorkers: 1,
  // A run takes minutes; a test sets its own longer timeout.
  testTimeout: 600_000,
};
