#!/usr/bin/env node
/**
 * Dead-letter redrive (`npm run redrive -- <queue>`, `--help`). The command lives in
 * cli/redrive/ (main.ts), where tests drive it; this file binds it to the process.
 */
import { main } from '../cli/redrive/main';

main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`redrive: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
