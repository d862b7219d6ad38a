import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LambdaRuntime } from '../../../src/lambda/runtime';
import type { QueueSink, StackResource } from '../../../src/types';
import { localStack } from '../../support/local-stack';

// ---------------------------------------------------------------- helpers

const makeStack = (assemblyDir: string, resources: StackResource[]) => localStack(resources, assemblyDir);

/** Writes `asset.<name>/index.mjs` and returns the function resource that runs it. */
function lambdaFunction(dir: string, logicalId: string, code: string, properties: Record<string, any> = {}): StackResource {
  const asset = `asset.${logicalId}`;
  mkdirSync(path.join(dir, asset), { recursive: true });
  writeFileSync(path.join(dir, asset, 'index.mjs'), code);
  const name = `Test-${logicalId.replace(/[0-9A-F]{8}$/, '')}`;
  return {
    logicalId,
    type: 'AWS::Lambda::Function',
    properties: { Handler: 'index.handler', Runtime: 'nodejs22.x', ...properties },
    physicalId: name,
    attributes: { Arn: `arn:aws:lambda:us-east-1:000000000000:function:${name}` },
    metadata: { 'aws:asset:path': asset },
  };
}

function queue(logicalId: string): StackResource {
  return {
    logicalId,
    type: 'AWS::SQS::Queue',
    properties: {},
    physicalId: `http://localhost:4566/000000000000/${logicalId}`,
    attributes: { Arn: `arn:aws:sqs:us-east-1:000000000000:${logicalId}`, QueueName: logicalId },
    metadata: {},
  };
}

class FakeQueues implements QueueSink {
  readonly sent: { queueRef: string; body: string; attributes?: Record<string, string> }[] = [];
  async send(queueRef: string, body: string, attributes?: Record<string, string>): Promise<void> {
    this.sent.push({ queueRef, body, ...(attributes ? { attributes } : {}) });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGKILLs a tsx process and the node process it started (tsx runs the script in a child). */
function killTree(pid: number): void {
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    // not Linux: the tsx process itself is the parent
  }
  for (const child of children) process.kill(child, 'SIGKILL');
  process.kill(pid, 'SIGKILL');
}

// ---------------------------------------------------------------- fixtures

const dir = mkdtempSync(path.join(tmpdir(), 'lambda-runtime-'));
const gateFile = path.join(dir, 'gate');
const queues = new FakeQueues();
const logLines: string[] = [];

const COUNTER = `
let calls = 0;
export const handler = async (event, context) => {
  calls += 1;
  console.log('handling', JSON.stringify(event));
  return {
    calls,
    pid: process.pid,
    echo: event,
    env: {
      endpoint: process.env.AWS_ENDPOINT_URL,
      region: process.env.AWS_REGION,
      defaultRegion: process.env.AWS_DEFAULT_REGION,
      accessKey: process.env.AWS_ACCESS_KEY_ID,
      name: process.env.AWS_LAMBDA_FUNCTION_NAME,
      memory: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      version: process.env.AWS_LAMBDA_FUNCTION_VERSION,
      logGroup: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
      table: process.env.USERS_TABLE,
      retries: process.env.RETRIES,
      handler: process.env._HANDLER,
    },
    context: {
      awsRequestId: context.awsRequestId,
      functionName: context.functionName,
      memoryLimitInMB: context.memoryLimitInMB,
      invokedFunctionArn: context.invokedFunctionArn,
      logGroupName: context.logGroupName,
      remaining: context.getRemainingTimeInMillis(),
    },
  };
};`;

const CALLBACK = `
export function handler(event, context, callback) {
  setTimeout(() => (event.fail ? callback(new RangeError('out of range')) : callback(null, { doubled: event.n * 2 })), 5);
}`;

const FAILING = `
let calls = 0;
class OrderError extends Error { constructor(m) { super(m); this.name = 'OrderError'; } }
export const handler = async (event) => {
  calls += 1;
  if (event.failTimes === undefined || calls <= event.failTimes) throw new OrderError('order ' + event.id + ' failed');
  return { calls, pid: process.pid };
};`;

const SLOW = `
export const handler = async (event) => {
  if (event.sleepMs) await new Promise((r) => setTimeout(r, event.sleepMs));
  return { pid: process.pid };
};`;

const GATED = `
import { existsSync } from 'node:fs';
export const handler = async (event) => {
  while (event.gate && !existsSync(event.gate)) await new Promise((r) => setTimeout(r, 20));
  return { pid: process.pid, id: event.id };
};`;

const resources: StackResource[] = [
  lambdaFunction(dir, 'UsersCreateUser423998C7', COUNTER, {
    MemorySize: 256,
    Timeout: 10,
    Environment: { Variables: { USERS_TABLE: 'Test-Users', RETRIES: 3 } },
  }),
  lambdaFunction(dir, 'Callback', CALLBACK),
  lambdaFunction(dir, 'Failing', FAILING, { DeadLetterConfig: { TargetArn: 'arn:aws:sqs:us-east-1:000000000000:FailingDlq' } }),
  lambdaFunction(dir, 'FailingWithDestination', FAILING),
  lambdaFunction(dir, 'Slow', SLOW, { Timeout: 1 }),
  lambdaFunction(dir, 'Gated', GATED, { ReservedConcurrentExecutions: 1, Timeout: 30 }),
  lambdaFunction(dir, 'Parallel', GATED, { Timeout: 30 }),
  lambdaFunction(dir, 'MissingHandler', SLOW, { Handler: 'index.nothing' }),
  lambdaFunction(dir, 'Reserved0', SLOW, {
    ReservedConcurrentExecutions: 0,
    DeadLetterConfig: { TargetArn: 'arn:aws:sqs:us-east-1:000000000000:FailingDlq' },
  }),
  queue('FailingDlq'),
  queue('DestinationQueue'),
  {
    logicalId: 'FailingWithDestinationEventInvokeConfig',
    type: 'AWS::Lambda::EventInvokeConfig',
    properties: {
      FunctionName: 'Test-FailingWithDestination',
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 1,
      DestinationConfig: { OnFailure: { Destination: 'arn:aws:sqs:us-east-1:000000000000:DestinationQueue' } },
    },
    physicalId: 'FailingWithDestinationEventInvokeConfig',
    attributes: {},
    metadata: {},
  },
];

const recordsFile = path.join(dir, 'state', 'invocations.ndjson');
const runtime = new LambdaRuntime({
  stack: makeStack(dir, resources),
  endpointUrl: 'http://127.0.0.1:4566',
  queues,
  log: (line) => logLines.push(line),
  recordsFile,
  retryBaseDelayMs: 10,
});

afterAll(async () => {
  await runtime.stop();
  rmSync(dir, { recursive: true, force: true });
});

// ---------------------------------------------------------------- tests

describe('LambdaRuntime', () => {
  it('cold-starts a worker once, then reuses it warm', async () => {
    const first = await runtime.invoke('UsersCreateUser423998C7', { n: 1 });
    const second = await runtime.invoke('Test-UsersCreateUser', { n: 2 });

    expect(first.error).toBeUndefined();
    expect(first.payload).toMatchObject({ calls: 1, echo: { n: 1 } });
    expect(second.payload).toMatchObject({ calls: 2, echo: { n: 2 } });
    expect((second.payload as any).pid).toBe((first.payload as any).pid);

    expect(first.record.initDurationMs).toBeGreaterThan(0);
    expect(second.record.initDurationMs).toBeUndefined();
    expect(first.record).toMatchObject({
      functionName: 'Test-UsersCreateUser',
      logicalId: 'UsersCreateUser423998C7',
      memorySizeMb: 256,
      status: 'success',
    });
    expect(first.record.billedDurationMs).toBeGreaterThanOrEqual(Math.ceil(first.record.durationMs));
    expect(first.record.maxMemoryUsedMb).toBeGreaterThan(0);
  });

  it('gives the function its environment and a Lambda context', async () => {
    const arn = 'arn:aws:lambda:us-east-1:000000000000:function:Test-UsersCreateUser';
    const { payload, record } = await runtime.invoke(arn, {});
    const { env, context } = payload as any;
    expect(env).toEqual({
      endpoint: 'http://127.0.0.1:4566',
      region: 'us-east-1',
      defaultRegion: 'us-east-1',
      accessKey: expect.stringMatching(/^ASIA[0-9A-Z]{16}$/), // each environment its own key, as Lambda's temporary credentials
      name: 'Test-UsersCreateUser',
      memory: '256',
      version: '$LATEST',
      logGroup: '/aws/lambda/Test-UsersCreateUser',
      table: 'Test-Users',
      retries: '3',
      handler: 'index.handler',
    });
    expect(context).toMatchObject({
      awsRequestId: record.requestId,
      functionName: 'Test-UsersCreateUser',
      memoryLimitInMB: '256',
      invokedFunctionArn: arn,
      logGroupName: '/aws/lambda/Test-UsersCreateUser',
    });
    expect(context.remaining).toBeGreaterThan(0);
    expect(context.remaining).toBeLessThanOrEqual(10_000);
  });

  it('prefixes the function output with its name and prints Lambda-style START/END/REPORT lines', async () => {
    const { record } = await runtime.invoke('UsersCreateUser423998C7', { hello: 'logs' });
    const mine = logLines.filter((line) => line.includes(record.requestId));
    expect(mine[0]).toBe(`[UsersCreateUser] START RequestId: ${record.requestId} Version: $LATEST`);
    expect(mine).toContainEqual(
      expect.stringMatching(new RegExp(`^\\[UsersCreateUser\\] \\S+Z\\t${record.requestId}\\tINFO\\thandling \\{"hello":"logs"\\}$`)),
    );
    expect(mine.at(-2)).toBe(`[UsersCreateUser] END RequestId: ${record.requestId}`);
    expect(mine.at(-1)).toMatch(
      new RegExp(
        `^\\[UsersCreateUser\\] REPORT RequestId: ${record.requestId}\\tDuration: \\d+\\.\\d{2} ms\\tBilled Duration: \\d+ ms\\tMemory Size: 256 MB\\tMax Memory Used: \\d+ MB$`,
      ),
    );
    const coldReport = logLines.find((line) => line.startsWith('[UsersCreateUser] REPORT') && line.includes('Init Duration:'));
    expect(coldReport).toMatch(/\tInit Duration: \d+\.\d{2} ms$/);
  });

  it('supports callback-style handlers, for results and errors', async () => {
    expect((await runtime.invoke('Callback', { n: 21 })).payload).toEqual({ doubled: 42 });
    const failed = await runtime.invoke('Callback', { fail: true });
    expect(failed.error).toMatchObject({ errorType: 'RangeError', errorMessage: 'out of range' });
  });

  it('returns handler errors as Lambda does and keeps the worker warm', async () => {
    const first = await runtime.invoke('Failing', { id: 'o-1' });
    expect(first.payload).toBeUndefined();
    expect(first.error).toEqual({ errorType: 'OrderError', errorMessage: 'order o-1 failed', trace: expect.any(Array) });
    expect(first.error!.trace![0]).toBe('OrderError: order o-1 failed');
    expect(first.record.status).toBe('error');

    const second = await runtime.invoke('Failing', { id: 'o-2', failTimes: 0 });
    expect(second.error).toBeUndefined();
    expect(second.record.initDurationMs).toBeUndefined();
  });

  it('reports a missing handler as Runtime.HandlerNotFound', async () => {
    const { error, record } = await runtime.invoke('MissingHandler', {});
    expect(error).toMatchObject({ errorType: 'Runtime.HandlerNotFound', errorMessage: 'index.nothing is undefined or not exported' });
    expect(record.status).toBe('error');
  });

  it('kills a worker past the timeout, reports Sandbox.Timedout, and cold-starts the next call', async () => {
    const warm = await runtime.invoke('Slow', {});
    const pid = (warm.payload as any).pid as number;

    const timedOut = await runtime.invoke('Slow', { sleepMs: 20_000 });
    expect(timedOut.error).toEqual({
      errorType: 'Sandbox.Timedout',
      errorMessage: expect.stringMatching(
        new RegExp(`^RequestId: ${timedOut.record.requestId} Error: Task timed out after \\d+\\.\\d{2} seconds$`),
      ),
    });
    expect(timedOut.record.status).toBe('timeout');
    expect(logLines).toContainEqual(
      expect.stringMatching(new RegExp(`REPORT RequestId: ${timedOut.record.requestId}\\t.*\\tStatus: timeout$`)),
    );

    const next = await runtime.invoke('Slow', {});
    expect(next.record.initDurationMs).toBeDefined();
    expect((next.payload as any).pid).not.toBe(pid);
    expect(isAlive(pid)).toBe(false);
  });

  it('throttles synchronous calls beyond the reserved concurrency; asynchronous ones wait', async () => {
    rmSync(gateFile, { force: true });
    const running = runtime.invoke('Gated', { gate: gateFile, id: 1 });

    const throttled = await runtime.invoke('Gated', { id: 2 });
    expect(throttled.error).toEqual({ errorType: 'TooManyRequestsException', errorMessage: 'Rate Exceeded.' });

    await runtime.invokeAsync('Gated', { id: 3 });
    writeFileSync(gateFile, 'open');
    expect((await running).payload).toMatchObject({ id: 1 });
    await runtime.idle();

    const gated = runtime.records().filter((r) => r.logicalId === 'Gated');
    expect(gated.map((r) => r.status)).toEqual(['success', 'success']); // the throttled call never ran
  });

  it('starts another worker when the warm one is busy', async () => {
    const gate = path.join(dir, 'parallel-gate');
    const both = Promise.all([runtime.invoke('Parallel', { gate, id: 1 }), runtime.invoke('Parallel', { gate, id: 2 })]);
    writeFileSync(gate, 'open');
    const [a, b] = await both;
    expect((a.payload as any).pid).not.toBe((b.payload as any).pid);
    expect(a.record.initDurationMs).toBeDefined();
    expect(b.record.initDurationMs).toBeDefined();
  });

  it('retries a failed asynchronous invocation twice by default, then dead-letters the event', async () => {
    queues.sent.length = 0;
    const before = runtime.records().length;
    await runtime.invokeAsync('Failing', { id: 'o-3' });
    await runtime.idle();

    const attempts = runtime
      .records()
      .slice(before)
      .filter((r) => r.logicalId === 'Failing');
    expect(attempts).toHaveLength(3);
    expect(new Set(attempts.map((r) => r.requestId)).size).toBe(1); // Lambda keeps the request id across retries
    expect(queues.sent).toEqual([
      {
        queueRef: 'arn:aws:sqs:us-east-1:000000000000:FailingDlq',
        body: JSON.stringify({ id: 'o-3' }),
        attributes: { RequestID: attempts[0]!.requestId, ErrorCode: '200', ErrorMessage: 'order o-3 failed' },
      },
    ]);
  });

  it('honours MaximumRetryAttempts and sends an invocation record to the on-failure destination', async () => {
    queues.sent.length = 0;
    const before = runtime.records().length;
    await runtime.invokeAsync('FailingWithDestination', { id: 'o-4' });
    await runtime.idle();

    const attempts = runtime.records().slice(before);
    expect(attempts).toHaveLength(2);
    expect(queues.sent).toHaveLength(1);
    expect(queues.sent[0]!.queueRef).toBe('arn:aws:sqs:us-east-1:000000000000:DestinationQueue');
    expect(JSON.parse(queues.sent[0]!.body)).toEqual({
      version: '1.0',
      timestamp: expect.any(String),
      requestContext: {
        requestId: attempts[0]!.requestId,
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:Test-FailingWithDestination:$LATEST',
        condition: 'RetriesExhausted',
        approximateInvokeCount: 2,
      },
      requestPayload: { id: 'o-4' },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorType: 'OrderError', errorMessage: 'order o-4 failed', trace: expect.any(Array) },
    });
  });

  it('does not dead-letter an event whose retry succeeds', async () => {
    // A new environment each time would reset the module's counter: the retry must be warm.
    queues.sent.length = 0;
    const fresh = new LambdaRuntime({
      stack: makeStack(dir, resources),
      endpointUrl: 'http://127.0.0.1:4566',
      queues,
      log: () => undefined,
      retryBaseDelayMs: 10,
    });
    try {
      await fresh.invokeAsync('Failing', { id: 'o-5', failTimes: 1 });
      await fresh.idle();
      expect(fresh.records().map((r) => r.status)).toEqual(['error', 'success']);
      expect(queues.sent).toEqual([]);
    } finally {
      await fresh.stop();
    }
  });

  it('dead-letters asynchronous events of a function with zero reserved concurrency as throttled', async () => {
    queues.sent.length = 0;
    await runtime.invokeAsync('Reserved0', { id: 'never' });
    await runtime.idle();
    expect(queues.sent).toEqual([
      expect.objectContaining({ body: JSON.stringify({ id: 'never' }), attributes: expect.objectContaining({ ErrorCode: '429' }) }),
    ]);
  });

  it('rejects calls to an unknown function with ResourceNotFoundException', async () => {
    await expect(runtime.invoke('Nope', {})).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(runtime.invokeAsync('Nope', {})).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('appends every invocation record to the NDJSON file', async () => {
    const file = path.join(dir, 'own-state', 'invocations.ndjson');
    const own = new LambdaRuntime({
      stack: makeStack(dir, resources),
      endpointUrl: 'http://127.0.0.1:4566',
      log: () => undefined,
      recordsFile: file,
    });
    await own.invoke('Callback', { n: 1 });
    await own.invoke('Failing', { id: 'o-6' });
    await own.stop(); // flushes the file
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toEqual(own.records());
    expect(lines.map((r) => [r.logicalId, r.status])).toEqual([
      ['Callback', 'success'],
      ['Failing', 'error'],
    ]);
  });

  it.each(['uncaught exception', 'SIGKILL'])('leaves no worker behind when its parent dies (%s)', async (how) => {
    const script = path.join(dir, `parent-${how === 'SIGKILL' ? 'killed' : 'crash'}.ts`);
    writeFileSync(
      script,
      `import { LambdaRuntime } from ${JSON.stringify(path.resolve(__dirname, '../../../src/lambda/runtime'))};
const resources = ${JSON.stringify(resources)};
const stack = { stackName: 'T', region: 'us-east-1', accountId: '000000000000', assemblyDir: ${JSON.stringify(dir)}, resources, outputs: {},
  byType: (t: string) => resources.filter((r: any) => r.type === t), find: (ref: string) => resources.find((r: any) => r.logicalId === ref) };
const runtime = new LambdaRuntime({ stack, endpointUrl: 'http://127.0.0.1:4566', log: () => undefined });
runtime.invoke('Slow', {}).then((r) => {
  process.stdout.write(String((r.payload as any).pid) + '\\n');
  ${how === 'SIGKILL' ? 'setInterval(() => undefined, 1000);' : "setTimeout(() => { throw new Error('parent crashed'); }, 10);"}
});
`,
    );
    const parent = spawn(process.execPath, [require.resolve('tsx/cli'), script], { stdio: ['ignore', 'pipe', 'ignore'] });
    const pid = await new Promise<number>((resolve, reject) => {
      parent.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
      parent.once('exit', () => reject(new Error('parent exited before reporting its worker')));
    });
    expect(isAlive(pid)).toBe(true);
    if (how === 'SIGKILL') killTree(parent.pid!);
    await new Promise((resolve) =>
      parent.exitCode !== null || parent.signalCode !== null ? resolve(undefined) : parent.once('exit', resolve),
    );
    for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(isAlive(pid)).toBe(false);
  });

  it('kills every worker on stop()', async () => {
    const own = new LambdaRuntime({ stack: makeStack(dir, resources), endpointUrl: 'http://127.0.0.1:4566', log: () => undefined });
    const pid = ((await own.invoke('Slow', {})).payload as any).pid as number;
    expect(isAlive(pid)).toBe(true);
    await own.stop();
    expect(isAlive(pid)).toBe(false);
    await expect(own.invoke('Slow', {})).rejects.toThrow(/stopped/);
  });
});
