/**
 * Firing schedule rules by hand: the edge's `/_local/schedules` control
 * endpoint over a real EventBridgeService (with a fake LambdaInvoker), the
 * client `npm run local -- schedules | fire` uses, and that CLI itself run as
 * a developer runs it, against the edge on a free port.
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { ControlClientError, fireSchedule, formatFired, formatSchedules, listSchedules } from '../../src/control-client';
import { startEdge, type Edge } from '../../src/edge/server';
import { EventBridgeService } from '../../src/eventbridge/service';
import { schedulesControl, type FiredAnswer, type ScheduleView } from '../../src/eventbridge/schedules';
import { freePort } from '../../src/ports';
import type { InvokeResult, LambdaInvoker, QueueSink, StackResource } from '../../src/types';
import { localStack } from '../support/local-stack';

const PACKAGE = path.join(__dirname, '..', '..');
const REGION_ACCOUNT = 'us-east-1:000000000000';
const REPORT_ARN = `arn:aws:lambda:${REGION_ACCOUNT}:function:Test-NightlyReportFn1A2B3C4D-abc123`;
const RULE_NAME = 'Test-NightlyScheduleBF953337-xyz789';

function resource(
  logicalId: string,
  type: string,
  physicalId: string,
  attributes: Record<string, string>,
  properties: Record<string, unknown> = {},
): StackResource {
  return { logicalId, type, properties, physicalId, attributes, metadata: {} };
}

const stack = localStack([
  resource('NightlyReportFn1A2B3C4D', 'AWS::Lambda::Function', 'Test-NightlyReportFn1A2B3C4D-abc123', { Arn: REPORT_ARN }),
  resource(
    'NightlyScheduleBF953337',
    'AWS::Events::Rule',
    RULE_NAME,
    { Arn: `arn:aws:events:${REGION_ACCOUNT}:rule/${RULE_NAME}` },
    {
      ScheduleExpression: 'cron(0 6 * * ? *)',
      State: 'ENABLED',
      Description: 'Nightly report',
      Targets: [{ Id: 'Target0', Arn: REPORT_ARN }],
    },
  ),
  resource(
    'WelcomeRule0F0F0F0F',
    'AWS::Events::Rule',
    'Test-WelcomeRule',
    { Arn: `arn:aws:events:${REGION_ACCOUNT}:rule/Test-WelcomeRule` },
    {
      EventPattern: { source: ['commerce.users'] },
      Targets: [{ Id: 'Target0', Arn: REPORT_ARN }],
    },
  ),
]);

/** Counts asynchronous invocations; every function accepts. */
class FakeLambda implements LambdaInvoker {
  readonly calls: Array<{ functionRef: string; event: any }> = [];
  async invoke(): Promise<InvokeResult> {
    throw new Error('schedules invoke asynchronously');
  }
  async invokeAsync(functionRef: string, event: unknown): Promise<void> {
    this.calls.push({ functionRef, event });
  }
}

const queues: QueueSink = { send: async () => undefined };
let lambda: FakeLambda;
let events: EventBridgeService;
let edge: Edge;

beforeAll(async () => {
  lambda = new FakeLambda();
  events = new EventBridgeService({ stack, lambda, queues, log: () => undefined });
  edge = await startEdge({ upstreams: {} });
  edge.useControl('schedules', schedulesControl(events, stack));
});

beforeEach(() => {
  lambda.calls.length = 0;
});

afterAll(async () => {
  await events?.stop();
  await edge?.stop();
});

const post = (url: string) => fetch(url, { method: 'POST' });

describe('/_local/schedules', () => {
  it('lists the schedule rules with their expressions, the name to fire them by, and their targets', async () => {
    const response = await fetch(`${edge.url}/_local/schedules`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      schedules: [
        {
          name: 'NightlySchedule',
          logicalId: 'NightlyScheduleBF953337',
          ruleName: RULE_NAME,
          arn: `arn:aws:events:${REGION_ACCOUNT}:rule/${RULE_NAME}`,
          eventBusName: 'default',
          state: 'ENABLED',
          scheduleExpression: 'cron(0 6 * * ? *)',
          description: 'Nightly report',
          targets: [{ id: 'Target0', arn: REPORT_ARN, resource: 'NightlyReportFn' }],
        },
      ],
    });
  });

  it('fires the rule once: its target gets one Scheduled Event, and the answer says it took it', async () => {
    const response = await post(`${edge.url}/_local/schedules/NightlySchedule/fire`);
    expect(response.status).toBe(200);
    const answer = (await response.json()) as FiredAnswer;
    await events.idle();
    expect(lambda.calls).toHaveLength(1);
    expect(lambda.calls[0]).toMatchObject({
      functionRef: REPORT_ARN,
      event: { 'detail-type': 'Scheduled Event', source: 'aws.events', id: answer.event.id },
    });
    expect(answer.schedule.logicalId).toBe('NightlyScheduleBF953337');
    expect(answer.targets).toEqual([{ id: 'Target0', arn: REPORT_ARN, outcome: 'delivered', resource: 'NightlyReportFn' }]);
  });

  it('knows a rule by its logical id, local name or ARN, and by its name in another case', async () => {
    for (const ref of ['NightlyScheduleBF953337', RULE_NAME, `arn:aws:events:${REGION_ACCOUNT}:rule/${RULE_NAME}`, 'nightlyschedule']) {
      expect((await post(`${edge.url}/_local/schedules/${encodeURIComponent(ref)}/fire`)).status).toBe(200);
    }
    await events.idle();
    expect(lambda.calls).toHaveLength(4);
  });

  it('answers an unknown rule with a 404 listing the schedule rules, and fires nothing', async () => {
    const unknown = await post(`${edge.url}/_local/schedules/nope/fire`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({
      message: 'no schedule rule nope; schedule rules: NightlySchedule (cron(0 6 * * ? *))',
      schedules: ['NightlySchedule'],
    });
    const patternRule = await post(`${edge.url}/_local/schedules/WelcomeRule/fire`);
    expect(patternRule.status).toBe(404);
    expect(((await patternRule.json()) as { message: string }).message).toMatch(
      /^WelcomeRule is an event-pattern rule, not a schedule rule;/,
    );
    await events.idle();
    expect(lambda.calls).toHaveLength(0);
  });

  it('fires only on POST (405 otherwise), and describes one rule on GET', async () => {
    const get = await fetch(`${edge.url}/_local/schedules/NightlySchedule/fire`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    const one = await fetch(`${edge.url}/_local/schedules/NightlySchedule`);
    expect(((await one.json()) as { schedule: ScheduleView }).schedule.scheduleExpression).toBe('cron(0 6 * * ? *)');
    expect(lambda.calls).toHaveLength(0);
  });
});

describe('the client the CLI uses', () => {
  it('prints the schedules with the command that fires each (naming a port that is not the default)', async () => {
    const lines = formatSchedules(await listSchedules({ edgeUrl: edge.url }), edge.url);
    const fire = `npm run local -- fire NightlySchedule --edge-port ${edge.port}`;
    expect(lines).toEqual([
      '  schedule rule    expression         state    targets                    fire with',
      `  ---------------  -----------------  -------  -------------------------  ${'-'.repeat(fire.length)}`,
      `  NightlySchedule  cron(0 6 * * ? *)  ENABLED  Target0 → NightlyReportFn  ${fire}`,
      'Schedule rules do not run on a timer locally; they run when fired.',
    ]);
    const views = await listSchedules({ edgeUrl: edge.url });
    expect(formatSchedules(views, 'http://127.0.0.1:4566')[2]).toMatch(/ npm run local -- fire NightlySchedule$/);
    expect(formatSchedules(views, 'http://[::1]:4566')[2]).toMatch(/ npm run local -- fire NightlySchedule --host ::1$/);
    expect(formatSchedules([])).toEqual(['No schedule rules in this stack.']);
  });

  it('prints a fired schedule in two lines', async () => {
    const fired = await fireSchedule({ edgeUrl: edge.url }, 'NightlySchedule');
    expect(formatFired(fired)).toEqual([
      `Fired NightlySchedule (cron(0 6 * * ? *)): Scheduled Event ${fired.event.id} at ${fired.event.time}.`,
      "  Target0 → lambda NightlyReportFn: invocation accepted (asynchronous: the function's logs and REPORT line show in the local cloud's terminal)",
    ]);
  });

  it('fails with one line when the rule is unknown, nothing answers, or something else answers', async () => {
    await expect(fireSchedule({ edgeUrl: edge.url }, 'nope')).rejects.toThrow(
      new ControlClientError('no schedule rule nope; schedule rules: NightlySchedule (cron(0 6 * * ? *))'),
    );
    const closed = `http://127.0.0.1:${await freePort()}`;
    await expect(listSchedules({ edgeUrl: closed })).rejects.toThrow(
      `no local cloud answers on ${closed}; start one with \`npm start\` (or pass the --edge-port it was started with)`,
    );
    const notLocal = await startEdge({ upstreams: {} }); // an edge without the schedules endpoint
    try {
      await expect(listSchedules({ edgeUrl: notLocal.url })).rejects.toThrow(
        /answered HTTP 404: no local control endpoint \/_local\/schedules, not as the local cloud does/,
      );
    } finally {
      await notLocal.stop();
    }
  });
});

describe('npm run local -- schedules | fire', () => {
  /** Runs the `local-cloud` command as `npm run local --` does; resolves with its exit code and output. */
  function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(process.execPath, [path.join(PACKAGE, 'bin', 'local-cloud.cjs'), ...args], { cwd: PACKAGE }, (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
  }

  it('fires by name, lists, and answers usage mistakes, unknown rules and a missing cloud in one line each', async () => {
    const closedPort = String(await freePort());
    const [fired, listed, unknown, missingRule, noCloud] = await Promise.all([
      cli('fire', 'NightlySchedule', '--edge-port', String(edge.port)),
      cli('schedules', '--edge-port', String(edge.port)),
      cli('fire', 'nope', '--edge-port', String(edge.port)),
      cli('fire', '--edge-port', String(edge.port)),
      cli('schedules', '--edge-port', closedPort),
    ]);
    expect(fired).toMatchObject({ code: 0, stderr: '' });
    expect(fired.stdout).toMatch(
      /^Fired NightlySchedule \(cron\(0 6 \* \* \? \*\)\): Scheduled Event [0-9a-f-]{36} at .+Z\.\n {2}Target0 → lambda NightlyReportFn: invocation accepted/,
    );
    expect(fired.stdout.trimEnd().split('\n')).toHaveLength(2);
    expect(listed).toMatchObject({ code: 0, stderr: '' });
    expect(listed.stdout).toContain(`npm run local -- fire NightlySchedule --edge-port ${edge.port}`);
    expect(unknown).toEqual({
      code: 1,
      stdout: '',
      stderr: 'local cloud: no schedule rule nope; schedule rules: NightlySchedule (cron(0 6 * * ? *))\n',
    });
    expect(missingRule.code).toBe(2);
    expect(missingRule.stderr).toContain('usage: npm run local -- fire <rule>');
    expect(noCloud).toEqual({
      code: 1,
      stdout: '',
      stderr: `local cloud: no local cloud answers on http://127.0.0.1:${closedPort}; start one with \`npm start\` (or pass the --edge-port it was started with)\n`,
    });
    await events.idle();
    expect(lambda.calls).toHaveLength(1);
  });
});
