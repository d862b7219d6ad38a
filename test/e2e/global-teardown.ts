export default async function globalTeardown(): Promise<void> {
  if (process.env.E2E_API_URL) return;
  const { stopForTests } = await import('./local-target');
  await stopForTests();
}
