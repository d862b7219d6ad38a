#!/usr/bin/env node
// The `local-cloud` command: runs the TypeScript sources through tsx (no build step).
require('tsx/cjs');
require('../src/cli.ts');
