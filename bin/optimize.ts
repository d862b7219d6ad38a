#!/usr/bin/env node
/**
 * Lambda cost optimiser CLI (`npm run optimize -- --help`). The command lives in
 * cli/optimize/ (main.ts), where tests drive it; this file only binds it to the
 * process: arguments, Ctrl-C (power tuning then restores what it changed) and
 * the exit code.
 */
import { main } from '../cli/optimize/main';
import { defaultDeps } from '../cli/optimize/terminal';

const controller = new AbortController();
process.once('SIGINT', () => {
  process.stderr.write('Interrupted: stopping and restoring...\n');
  controller.abort(new Error('interrupted'));
});
main(process.argv.slice(2), defaultDeps(controller.signal)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`optimize: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
