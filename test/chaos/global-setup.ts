/**
 * The chaos suite's platform: a local cloud of its own (test/e2e/local-target.ts's
 * machinery), never the e2e suite's — faults are global to a cloud, and both
 * projects run in one `npm test`. Its environment travels as CHAOS_ENV, which
 * env.ts applies in each chaos test file only (jest copies process.env per file).
 */
import type { LocalCloud } from 'local-cloud';

export default async function globalSetup(): Promise<void> {
  const { startPlatform } = await import('../e2e/local-target');
  const { cloud, env } = await startPlatform();
  (globalThis as { __chaosCloud?: LocalCloud }).__chaosCloud = cloud;
  // The functions' logical ids, so a scenario can name one in a kill rule.
  const functions = cloud.functions.map((f) => f.logicalId);
  process.env.CHAOS_ENV = JSON.stringify({ ...env, CHAOS_FUNCTIONS: JSON.stringify(functions) });
}
