/**
 * A small app for the dev loop's test and bench, in a temporary project that
 * has the repository's own dev loop (scripts/), build options and function
 * defaults (lib/bundling.ts, lib/service-function.ts and what it imports) and
 * node_modules (a link), plus a stack of its own: a table, `GET /hello` (its
 * message in lambda/hello/message.ts, a file the handler imports) and
 * `POST /items`; `addGetItemRoute()` adds `GET /items/{id}` in lib/.
 * The repository's sources are only read, never edited.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const COPIED = [
  'scripts',
  'package-lock.json',
  'contracts',
  'package.json',
  'cdk.json',
  ...['bundling', 'service-function', 'nag', 'config'].map((f) => `lib/${f}.ts`),
];

const PLATFORM = `import { App } from 'aws-cdk-lib';
import { DevStack } from '../lib/dev-stack';
export function definePlatform(app: App): DevStack {
  return new DevStack(app, 'DevLoop');
}
`;

const stack = (withGetItem: boolean) => `import { Stack, RemovalPolicy } from 'aws-cdk-lib';
import { LambdaIntegration, RestApi } from 'aws-cdk-lib/aws-apigateway';
import { AttributeType, BillingMode, Table } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { stageConfig } from './config';
import { ServiceFunction } from './service-function';

export class DevStack extends Stack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    const config = stageConfig('dev');
    const table = new Table(this, 'Items', {
      partitionKey: { name: 'id', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const fn = (name: string, entry: string) =>
      new ServiceFunction(this, name, { entry, service: 'dev', config, environment: { TABLE: table.tableName } });
    const api = new RestApi(this, 'Api');
    const hello = fn('Hello', 'hello/hello.ts');
    api.root.addResource('hello').addMethod('GET', new LambdaIntegration(hello));
    const putItem = fn('PutItem', 'hello/put-item.ts');
    table.grantWriteData(putItem);
    const items = api.root.addResource('items');
    items.addMethod('POST', new LambdaIntegration(putItem));
${withGetItem ? "    const getItem = fn('GetItem', 'hello/get-item.ts');\n    table.grantReadData(getItem);\n    items.addResource('{id}').addMethod('GET', new LambdaIntegration(getItem));\n" : ''}  }
}
`;

/** The handlers: real-sized bundles (each includes the DynamoDB client, as the platform's do). */
const HANDLERS: Record<string, string> = {
  'message.ts': `export const MESSAGE = 'hello v1';\n`,
  'hello.ts': `import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { MESSAGE } from './message';
export const client = new DynamoDBClient({});
export const handler = async () => ({ statusCode: 200, body: JSON.stringify({ message: MESSAGE }) });
`,
  'put-item.ts': `import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
const client = new DynamoDBClient({});
export const handler = async (event: { body: string }) => {
  const item = JSON.parse(event.body) as { id: string; text: string };
  await client.send(new PutItemCommand({ TableName: process.env.TABLE, Item: { id: { S: item.id }, text: { S: item.text } } }));
  return { statusCode: 201, body: JSON.stringify(item) };
};
`,
  'get-item.ts': `import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
const client = new DynamoDBClient({});
export const handler = async (event: { pathParameters: { id: string } }) => {
  const got = await client.send(new GetItemCommand({ TableName: process.env.TABLE, Key: { id: { S: event.pathParameters.id } } }));
  if (!got.Item) return { statusCode: 404, body: JSON.stringify({ message: 'not found' }) };
  return { statusCode: 200, body: JSON.stringify({ id: got.Item.id?.S, text: got.Item.text?.S }) };
};
`,
};

export interface DevApp {
  readonly dir: string;
  /** Rewrites lambda/hello/message.ts (the text `GET /hello` answers with). */
  setMessage(text: string): void;
  /** Writes a lambda/hello/message.ts that does not compile. */
  breakMessage(): void;
  /** Adds `GET /items/{id}` to the stack (lib/dev-stack.ts). */
  addGetItemRoute(): void;
  remove(): void;
}

export function createDevApp(): DevApp {
  const dir = mkdtempSync(path.join(tmpdir(), 'dev-loop-'));
  for (const file of COPIED) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    cpSync(path.join(ROOT, file), path.join(dir, file), { recursive: true });
  }
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  const write = (file: string, text: string) => {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  };
  write('bin/platform.ts', PLATFORM);
  write('lib/dev-stack.ts', stack(false));
  for (const [file, text] of Object.entries(HANDLERS)) write(`lambda/hello/${file}`, text);
  return {
    dir,
    setMessage: (text) => write('lambda/hello/message.ts', `export const MESSAGE = ${JSON.stringify(text)};\n`),
    breakMessage: () => write('lambda/hello/message.ts', `export const MESSAGE = 'unterminated;\n`),
    addGetItemRoute: () => write('lib/dev-stack.ts', stack(true)),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** `npm run dev` (or `npm start` without `watch`) of a project, on free ports, its output collected. */
export interface DevProcess {
  readonly child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** The API's base URL, once the summary is printed. */
  apiUrl(): string | undefined;
  /** True once the process has ended. */
  exited(): boolean;
  stop(): Promise<void>;
}

export function startDev(dir: string, args: readonly string[] = ['--watch']): DevProcess {
  const tsx = require.resolve('tsx/cli');
  const child = spawn(process.execPath, [tsx, path.join(dir, 'scripts', 'dev.ts'), ...args, '--api-port', '0', '--edge-port', '0'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    output: () => text,
    apiUrl: () => /^ {2}API {3}(http:\/\/\S+)/m.exec(text)?.[1],
    exited: () => child.exitCode !== null || child.signalCode !== null,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      await exited;
    },
  };
}

/** Thrown by a `waitFor` check: stop waiting now (the condition can no longer come true). */
export class StopWaiting extends Error {}

/** Polls `check` until it returns a value (not undefined) or the deadline passes (then throws with `what`). */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await Promise.resolve()
      .then(check)
      .catch((error: unknown) => {
        if (error instanceof StopWaiting) throw error;
        return undefined;
      });
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
