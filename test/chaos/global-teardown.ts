/** Stops the chaos suite's local cloud (global-setup.ts). */
import type { LocalCloud } from 'local-cloud';

export default async function globalTeardown(): Promise<void> {
  const holder = globalThis as { __chaosCloud?: LocalCloud };
  await holder.__chaosCloud?.stop();
  holder.__chaosCloud = undefined;
}
