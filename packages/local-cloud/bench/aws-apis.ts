/**
 * The local AWS APIs as a developer feels them: `aws lambda invoke` round trip (the
 * SDK's InvokeCommand through the edge to a warm worker and back, p50/p99 over 300
 * calls after a warm-up), and the delay from a log line to FilterLogEvents (the line's
 * timestamp to the first FilterLogEvents answer that holds it, polling back to back,
 * over 50 lines written by asynchronous invocations).
 *
 *   npx tsx packages/local-cloud/bench/aws-apis.ts
 */
import os from 'node:os';
import * as path from 'node:path';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { serveFixture } from '../test/support/fixture-app';

const INVOKES = 300;
const WARM_UP = 30;
const LOG_LINES = 50;

function quantiles(samples: number[]): { p50: string; p99: string; mean: string } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return { p50: at(0.5).toFixed(2), p99: at(0.99).toFixed(2), mean: mean.toFixed(2) };
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  process.env.AWS_REGION ??= 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  const served = await serveFixture('Bench', (stack) => {
    new lambda.Function(stack, 'Echo', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(path.join(__dirname, '..', 'test', 'fixtures', 'assets', 'aws-apis')),
    });
  });
  const client = new LambdaClient({ endpoint: served.cloud.edgeUrl });
  const logs = new CloudWatchLogsClient({ endpoint: served.cloud.edgeUrl });
  const name = served.cloud.functions[0]!.functionName;
  const group = `/aws/lambda/${name}`;
  try {
    const payload = new TextEncoder().encode(JSON.stringify({ name: 'bench' }));
    for (let i = 0; i < WARM_UP; i++) await client.send(new InvokeCommand({ FunctionName: name, Payload: payload }));
    const roundTrips: number[] = [];
    for (let i = 0; i < INVOKES; i++) {
      const started = performance.now();
      await client.send(new InvokeCommand({ FunctionName: name, Payload: payload, LogType: 'Tail' }));
      roundTrips.push(performance.now() - started);
    }

    const delays: number[] = [];
    for (let i = 0; i < LOG_LINES; i++) {
      const marker = `line${i}x${Date.now()}`;
      const since = Date.now() - 1;
      await client.send(
        new InvokeCommand({
          FunctionName: name,
          InvocationType: 'Event',
          Payload: new TextEncoder().encode(JSON.stringify({ name: marker })),
        }),
      );
      for (;;) {
        const page = await logs.send(
          new FilterLogEventsCommand({ logGroupName: group, startTime: since, filterPattern: `"hello ${marker}"` }),
        );
        const event = page.events?.[0];
        if (event) {
          delays.push(Date.now() - event.timestamp!);
          break;
        }
      }
    }
    const invoke = quantiles(roundTrips);
    const delay = quantiles(delays);
    console.log(`aws-apis bench, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'cpu'}), Node ${process.version}`);
    console.log('| measure | samples | p50 (ms) | p99 (ms) | mean (ms) |');
    console.log('|---|---|---|---|---|');
    console.log(
      `| \`aws lambda invoke\` round trip (InvokeCommand, LogType Tail, warm worker) | ${INVOKES} | ${invoke.p50} | ${invoke.p99} | ${invoke.mean} |`,
    );
    console.log(
      `| log line -> FilterLogEvents (line timestamp to first answer holding it) | ${LOG_LINES} | ${delay.p50} | ${delay.p99} | ${delay.mean} |`,
    );
  } finally {
    client.destroy();
    logs.destroy();
    await served.stop();
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
