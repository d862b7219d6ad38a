/**
 * The cost optimiser's local source on real data: invocations made through the
 * running platform leave REPORT records, and `optimize --source local` turns
 * them into recommendations. Runs only where the records file is known (the
 * local cloud target); AWS is covered by the CloudWatch adapter's tests.
 */
import { main } from '../../lambda/cost-optimizer/cli';
import { api } from './target';

const records = process.env.E2E_RECORDS_FILE;
const maybe = records ? it : it.skip;

maybe('recommends memory sizes from the local cloud invocation records', async () => {
  for (let i = 0; i < 5; i++) {
    const created = await api('POST', '/users', {
      body: { name: 'Cost', email: `cost-${Date.now()}-${i}@example.com`, phone: '+14155550100' },
    });
    expect(created.status).toBe(201);
  }
  let out = '';
  const code = await main(['--source', 'local', '--records', records!, '--strategy', 'threshold', '--json'], {
    stdout: (text) => (out += text),
    stderr: () => undefined,
    lambda: () => {
      throw new Error('no Lambda control plane in a dry run');
    },
    cloudwatch: () => {
      throw new Error('not used by the local source');
    },
    tagging: () => {
      throw new Error('not used by the local source');
    },
    interactive: false,
    confirm: async () => false,
    env: process.env,
  });
  expect(code).toBe(0);
  const report = JSON.parse(out);
  const recommendations = report.strategies[0].recommendations as { functionName: string; currentMemoryMb: number; proposedMemoryMb: number }[];
  const createUser = recommendations.find((r) => r.functionName.includes('UsersCreateUser'));
  expect(createUser).toMatchObject({ currentMemoryMb: 512, proposedMemoryMb: expect.any(Number) });
});
