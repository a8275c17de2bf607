// Runs the sender from its TypeScript sources in a child process (the kill -9 test and the
// benchmark): @swc/core compiles each file with decorator metadata, which Nest's injection
// needs and tsx (esbuild) does not emit; `@lib/<name>` resolves as tsconfig maps it.
/* eslint-disable @typescript-eslint/no-require-imports */
const { transformSync } = require('@swc/core');
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');

const root = path.resolve(__dirname, '../../..');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const lib = /^@lib\/([a-z-]+)$/.exec(request);
  return resolve.call(this, lib ? path.join(root, 'libs', lib[1], 'src') : request, ...rest);
};
require.extensions['.ts'] = function (module, filename) {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  });
  module._compile(code, filename);
};
