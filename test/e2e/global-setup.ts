/**
 * Brings the platform up for the e2e suite: the local cloud on free ports,
 * unless E2E_API_URL points at another deployment (LocalStack, AWS), in which
 * case the suite runs against that one unchanged. See test/e2e/target.ts.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.E2E_API_URL) return;
  const { startForTests } = await import('./local-target');
  await startForTests();
}
