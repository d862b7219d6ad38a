/**
 * Local cloud start time (synth excluded: reads an existing cdk.out) and the warm
 * API round trip of GET /users/{id} under 50 concurrent connections (autocannon).
 *
 *   npx cdk synth --quiet && npx tsx bench/local-cloud.ts
 */
import autocannon from 'autocannon';
import { startLocalCloud } from '../local/cloud';
import { printTable, progress } from './support';

async function main() {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const started = performance.now();
  const cloud = await startLocalCloud({ apiPort: 0, edgePort: 0, stateDir: 'bench/out/state', log: () => undefined });
  const startMs = performance.now() - started;
  try {
    progress('creating a user and warming the function');
    const created = await fetch(`${cloud.apiUrl}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Bench', email: `bench-${Date.now()}@example.com`, phone: '+14155550100' }),
    });
    const { userId } = (await created.json()) as { userId: string };
    const url = `${cloud.apiUrl}/users/${userId}`;
    await autocannon({ url, connections: 50, duration: 3 }); // warm-up: start the workers
    progress('measuring 10 s at 50 connections');
    const result = await autocannon({ url, connections: 50, duration: 10 });
    printTable(
      ['measure', 'value'],
      [
        ['start (synth excluded)', `${startMs.toFixed(0)} ms`],
        ['GET /users/{id} requests/s', result.requests.average.toFixed(0)],
        ['latency p50', `${result.latency.p50} ms`],
        ['latency p99', `${result.latency.p99} ms`],
        ['non-2xx', String(result.non2xx)],
      ],
    );
  } finally {
    await cloud.stop();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
