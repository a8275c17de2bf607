// Entry of a decision worker thread for tests that run ingest from its TypeScript sources:
// the built service uses its own main.js instead. Compiles .ts files with @swc/core as they
// are required and resolves `@lib/<name>` as tsconfig maps it.
/* eslint-disable @typescript-eslint/no-require-imports */
const { transformSync } = require('@swc/core');
const { readFileSync } = require('node:fs');
const Module = require('node:module');
const { join } = require('node:path');

const libs = join(__dirname, '..', '..', '..', 'libs');
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const lib = /^@lib\/([a-z-]+)$/.exec(request);
  return resolveFilename.call(this, lib ? join(libs, lib[1], 'src') : request, ...rest);
};
require.extensions['.ts'] = (module, filename) => {
  const options = {
    filename,
    jsc: { parser: { syntax: 'typescript', decorators: true }, target: 'es2022' },
    module: { type: 'commonjs' },
  };
  module._compile(transformSync(readFileSync(filename, 'utf8'), options).code, filename);
};
require('../src/raw-events/decision-worker').serveDecisions();
