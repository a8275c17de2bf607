// `node -r test/support/from-source.js apps/<name>/src/main.ts`: a service as its own process
// straight from its sources, for kill -9 tests and benchmarks that should not need a build.
// Nest's injection needs decorator metadata, which tsx (esbuild) does not emit, so each .ts
// file goes through @swc/core; `@lib/<name>` resolves as tsconfig.json maps it.
/* eslint-disable @typescript-eslint/no-require-imports */
const { transformSync } = require('@swc/core');
const { readFileSync } = require('node:fs');
const Module = require('node:module');
const { join, resolve } = require('node:path');

const repo = resolve(__dirname, '../..');
const swcOptions = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const lib = request.match(/^@lib\/([a-z-]+)$/);
  return resolveFilename.call(this, lib ? join(repo, 'libs', lib[1], 'src') : request, ...rest);
};

require.extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(readFileSync(filename, 'utf8'), { ...swcOptions, filename });
  module._compile(code, filename);
};
