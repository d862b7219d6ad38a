/**
 * The platform's template as the local cloud reads it: every reference resolves
 * to a local value and every function finds its bundle in the assembly.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startLocalCloud, type LocalCloud } from 'local-cloud';
import { synthesisePlatform } from '../support/synth';

let cloud: LocalCloud;
beforeAll(async () => {
  const { outdir } = synthesisePlatform('dev');
  const stateDir = mkdtempSync(path.join(tmpdir(), 'infra-local-'));
  cloud = await startLocalCloud({ assemblyDir: outdir, apiPort: 0, edgePort: 0, stateDir, log: () => undefined });
}, 120_000);
afterAll(() => cloud?.stop());

it('resolves every resource of the platform stack, and every function finds its bundle', () => {
  const { stack } = cloud;
  expect(stack.stackName).toBe('ServerlessCommerce-dev');
  const functions = stack.byType('AWS::Lambda::Function');
  expect(functions.length).toBeGreaterThan(0);
  for (const fn of functions) {
    const env = fn.properties.Environment?.Variables ?? {};
    for (const [name, value] of Object.entries(env)) expect([name, typeof value]).toEqual([name, 'string']);
    expect(existsSync(path.join(stack.assemblyDir, fn.metadata['aws:asset:path']))).toBe(true);
  }
  // No intrinsic is left anywhere.
  expect(JSON.stringify(stack.resources.map((r) => r.properties))).not.toMatch(/"(Ref|Fn::[A-Za-z]+)":/);
});
