/**
 * Stops the local cloud if global-setup started one. (Not decided by E2E_API_URL:
 * global-setup sets it itself when it starts the local cloud.)
 */
export default async function globalTeardown(): Promise<void> {
  const { stopForTests } = await import('./local-target');
  await stopForTests();
}
