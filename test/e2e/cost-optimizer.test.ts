/**
 * The cost optimiser's local source on real data: invocations made through the
 * running platform leave REPORT records, and `optimize --source local` turns
 * them into recommendations; the daily report's schedule fired the way a
 * developer fires it (`npm run local -- fire`). Runs only where the records
 * file is known (the local cloud target); AWS is covered by the CloudWatch
 * adapter's tests and the template tests of the schedule.
 */
import { readFileSync } from 'node:fs';
import { main } from '../../cli/optimize/main';
import { newCaller } from './identity';
import { api, eventually } from './target';

const records = process.env.E2E_RECORDS_FILE;
const maybe = records ? it : it.skip;

maybe('recommends memory sizes from the local cloud invocation records', async () => {
  const caller = await newCaller({ name: 'Cost' });
  for (let i = 0; i < 5; i++) {
    const read = await eventually('the profile', async () => {
      const answer = await api('GET', '/users/me', { as: caller });
      return answer.status === 200 ? answer : undefined;
    });
    expect(read.status).toBe(200);
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
  const recommendations = report.strategies[0].recommendations as {
    functionName: string;
    currentMemoryMb: number;
    proposedMemoryMb: number;
  }[];
  const getUser = recommendations.find((r) => r.functionName.includes('UsersGetUser'));
  expect(getUser).toMatchObject({ currentMemoryMb: 512, proposedMemoryMb: expect.any(Number) });
});

maybe('fires the daily report schedule through the edge, as `npm run local -- fire` does: its function runs', async () => {
  // The control endpoint that `npm run local -- fire` calls (documented in packages/local-cloud/README.md).
  const response = await fetch(`${process.env.AWS_ENDPOINT_URL}/_local/schedules/CostOptimizerSchedule/fire`, { method: 'POST' });
  expect(response.status).toBe(200);
  const fired = (await response.json()) as { schedule: unknown; targets: unknown };
  expect(fired.schedule).toMatchObject({ scheduleExpression: 'cron(0 6 * * ? *)', description: 'Daily Lambda cost report' });
  expect(fired.targets).toEqual([expect.objectContaining({ outcome: 'delivered', resource: 'CostOptimizerDailyReport' })]);
  // Whether the report succeeds is the function's business (locally there is no CloudWatch to read); it ran.
  await eventually('an invocation record of the daily report', async () =>
    readFileSync(records!, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { logicalId: string })
      .find((record) => record.logicalId.startsWith('CostOptimizerDailyReport')),
  );
});
