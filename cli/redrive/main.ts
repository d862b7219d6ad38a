/**
 * The `redrive` command (`npm run redrive -- <queue>`): finds the dead-letter
 * queue among the stack's outputs (`DeadLetterQueue<name>`, made for every DLQ
 * by lib/dead-letter-queues.ts), redrives it (redrive.ts) and exits 0 only when
 * the queue was emptied of what it held (1 when messages were left, 2 on a usage
 * error). The outputs come from a file (`--outputs`, or the local cloud's
 * `.local-cloud/outputs.json` when AWS_ENDPOINT_URL is set) or from CloudFormation.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { type Invoke, redrive, type RedriveClients } from './redrive';

export const USAGE = `Usage: npm run redrive -- <queue> [options]

Moves a dead-letter queue's messages back to their source, deleting each one only
once its effect is applied: rule targets and asynchronous invocations re-invoke the
function with the event; stream batches are re-read from the stream (within its
retention) or, for the activity stream, from the S3 raw log after that.

  <queue>             a DLQ name (as the alarm and --list print it), a stack output key, or a queue URL
  --list              print the stack's dead-letter queues and their depth source, then exit
  --dry-run           read and explain each message; re-send and delete nothing
  --verbose           one line per message
  --stage dev|prod    stage whose stack to read (default dev)
  --stack <name>      stack name (default ServerlessCommerce-<stage>)
  --outputs <file>    stack outputs as JSON (the local cloud's .local-cloud/outputs.json by default
                      when AWS_ENDPOINT_URL is set); else read from CloudFormation
  -h, --help          this text`;

/** Stack outputs holding a dead-letter queue's URL (lib/dead-letter-queues.ts). */
const PREFIX = 'DeadLetterQueue';
const LOCAL_OUTPUTS = '.local-cloud/outputs.json';

export interface RedriveDeps {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The AWS side (default: SDK clients from the environment, AWS_ENDPOINT_URL included). */
  readonly clients?: RedriveClients;
  readonly cloudformation?: () => CloudFormationClient;
}

class UsageError extends Error {}

export async function main(argv: readonly string[], deps: RedriveDeps): Promise<number> {
  try {
    return await run(argv, deps);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    deps.stderr(`redrive: ${message.split('\n')[0]}${error instanceof UsageError ? ' (see --help)' : ''}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}

async function run(argv: readonly string[], deps: RedriveDeps): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        list: { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        verbose: { type: 'boolean' },
        stage: { type: 'string', default: 'dev' },
        stack: { type: 'string' },
        outputs: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    deps.stdout(`${USAGE}\n`);
    return 0;
  }
  const outputs = await stackOutputs(values.outputs, values.stack ?? `ServerlessCommerce-${values.stage}`, deps);
  const queues = Object.entries(outputs)
    .filter(([key]) => key.startsWith(PREFIX))
    .map(([key, url]) => ({ name: key.slice(PREFIX.length), url }));
  if (values.list) {
    for (const { name, url } of queues) deps.stdout(`${name}\t${url}\n`);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('name one dead-letter queue (--list prints them)');
  const queueUrl = queueUrlOf(positionals[0]!, outputs, queues);
  const raw = outputs.RawBucketName && outputs.ActivityStreamName;
  const summary = await redrive(deps.clients ?? defaultClients(), {
    queueUrl,
    dryRun: values['dry-run'],
    verbose: values.verbose,
    ...(raw ? { rawLog: { bucket: outputs.RawBucketName!, streamName: outputs.ActivityStreamName! } } : {}),
    progress: (line) => deps.stderr(`${line}\n`),
  });
  return summary.left.length > 0 ? 1 : 0;
}

function queueUrlOf(arg: string, outputs: Record<string, string>, queues: { name: string; url: string }[]): string {
  if (/^https?:\/\//.test(arg)) return arg;
  const named = queues.find((q) => q.name === arg || q.name.toLowerCase() === arg.toLowerCase());
  if (named) return named.url;
  const output = outputs[arg];
  if (output && /^https?:\/\//.test(output)) return output;
  throw new UsageError(`no dead-letter queue ${arg}; the stack has ${queues.map((q) => q.name).join(', ') || 'none'}`);
}

async function stackOutputs(file: string | undefined, stackName: string, deps: RedriveDeps): Promise<Record<string, string>> {
  const path = file ?? (deps.env.AWS_ENDPOINT_URL && existsSync(LOCAL_OUTPUTS) ? LOCAL_OUTPUTS : undefined);
  if (path) {
    const json = JSON.parse(await readFile(path, 'utf8')) as { outputs?: Record<string, string> } & Record<string, unknown>;
    return (json.outputs ?? json) as Record<string, string>;
  }
  const cloudformation = deps.cloudformation?.() ?? new CloudFormationClient({});
  const { Stacks } = await cloudformation.send(new DescribeStacksCommand({ StackName: stackName }));
  return Object.fromEntries((Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey!, o.OutputValue!]));
}

/** SDK clients from the environment (region, credentials, AWS_ENDPOINT_URL). */
export function defaultClients(): RedriveClients {
  const lambda = new LambdaClient({ maxAttempts: 3 });
  return {
    sqs: new SQSClient({}),
    // HTTP/1.1: the Kinesis client defaults to HTTP/2 (for SubscribeToShard), which emulators do not speak.
    kinesis: () => new KinesisClient({ requestHandler: new NodeHttpHandler() }),
    streams: () => new DynamoDBStreamsClient({}),
    s3: () => new S3Client({ forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL) }),
    invoke: lambdaInvoke(lambda),
  };
}

/** Invoke (RequestResponse) through the Lambda API; a function error is a failure. */
export function lambdaInvoke(lambda: LambdaClient): Invoke {
  return async (functionArn, payload) => {
    const out = await lambda.send(
      new InvokeCommand({ FunctionName: functionArn, InvocationType: 'RequestResponse', Payload: Buffer.from(JSON.stringify(payload)) }),
    );
    const text = out.Payload ? Buffer.from(out.Payload).toString('utf8') : '';
    if (out.FunctionError) return { ok: false, error: `${out.FunctionError}: ${text.slice(0, 300)}` };
    return { ok: true, payload: text ? JSON.parse(text) : null };
  };
}
