/**
 * Moves a dead-letter queue's messages back to where they failed, each one
 * deleted only after its effect was applied (the function answered without an
 * error and, for a stream batch, without batch item failures); anything else is
 * left in the queue, visible again, with the reason printed. Rule targets and
 * asynchronous invocations are re-invoked with their event; stream batches are
 * re-read from the stream while it holds them, and from the raw log (activity
 * stream) after that. `dryRun` reads and explains, and changes nothing.
 */
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { S3Client } from '@aws-sdk/client-s3';
import { type DeadLetter, isFunctionArn, readDeadLetter } from './dead-letters';
import { rawLogBatch } from './raw-log';
import { dynamodbBatch, kinesisBatch } from './stream-records';

/** Invokes a function synchronously with `payload`: its answer, or its error (the one place redrive invokes). */
export type Invoke = (functionArn: string, payload: unknown) => Promise<{ ok: true; payload: unknown } | { ok: false; error: string }>;

export interface RedriveClients {
  readonly sqs: SQSClient;
  readonly kinesis: () => KinesisClient;
  readonly streams: () => DynamoDBStreamsClient;
  readonly s3: () => S3Client;
  readonly invoke: Invoke;
}

export interface RedriveOptions {
  readonly queueUrl: string;
  readonly dryRun?: boolean;
  readonly verbose?: boolean;
  /** The activity stream's raw log: where its expired batches are re-read from. */
  readonly rawLog?: { readonly bucket: string; readonly streamName: string };
  /** How long a message being redriven stays hidden from other readers (default 300 s). */
  readonly visibilityTimeoutSeconds?: number;
  readonly progress: (line: string) => void;
}

export interface RedriveSummary {
  readonly seen: number;
  readonly redriven: number;
  readonly left: readonly { readonly messageId: string; readonly kind: DeadLetter['kind']; readonly reason: string }[];
}

/** Records per invocation when a batch is re-sent (the mappings' batch size; well under 6 MB). */
const RECORDS_PER_INVOCATION = 100;

export async function redrive(clients: RedriveClients, options: RedriveOptions): Promise<RedriveSummary> {
  const { sqs } = clients;
  const { queueUrl, progress } = options;
  const hide = options.dryRun ? 30 : (options.visibilityTimeoutSeconds ?? 300);
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
  );
  const total = Number(Attributes?.ApproximateNumberOfMessages ?? 0);
  progress(`${total} dead letter(s) in ${queueUrl}${options.dryRun ? ' (dry run: nothing is re-sent or deleted)' : ''}`);

  const seenIds = new Set<string>();
  const held: Message[] = [];
  const left: RedriveSummary['left'][number][] = [];
  let redriven = 0;
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: hide,
        WaitTimeSeconds: 1,
        MessageAttributeNames: ['All'],
      }),
    );
    const fresh = Messages.filter((m) => !seenIds.has(m.MessageId!));
    if (fresh.length === 0) break;
    for (const message of fresh) {
      seenIds.add(message.MessageId!);
      const attributes = Object.fromEntries(Object.entries(message.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue]));
      const letter = readDeadLetter(message.Body ?? '', attributes);
      const where = `[${seenIds.size}/${Math.max(total, seenIds.size)}] ${message.MessageId} ${describe(letter)}`;
      const outcome = options.dryRun ? { ok: false as const, reason: 'dry run' } : await resend(clients, options, letter);
      if (outcome.ok) {
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle! }));
        redriven++;
        if (options.verbose) progress(`${where}: redriven${outcome.detail ? ` (${outcome.detail})` : ''}`);
      } else {
        held.push(message);
        if (!options.dryRun) left.push({ messageId: message.MessageId!, kind: letter.kind, reason: outcome.reason });
        if (options.verbose || !options.dryRun)
          progress(`${where}: ${options.dryRun ? 'would be redriven' : `left in the queue: ${outcome.reason}`}`);
        if (options.dryRun && letter.kind === 'unknown') progress(`  (it cannot be: ${letter.reason})`);
      }
    }
  }
  // What stays goes back to being visible now, not after the visibility timeout.
  for (const message of held) {
    await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle!, VisibilityTimeout: 0 }));
  }
  progress(`${options.dryRun ? 'Dry run: ' : ''}${seenIds.size} seen, ${redriven} redriven, ${left.length} left in the queue`);
  return { seen: seenIds.size, redriven, left };
}

function describe(letter: DeadLetter): string {
  switch (letter.kind) {
    case 'rule-target':
      return `rule target ${letter.targetArn}`;
    case 'async-invocation':
      return `asynchronous invocation of ${letter.functionArn}`;
    case 'stream-batch':
      return `${letter.source} batch of ${letter.functionArn} (shard ${letter.batch.shardId}, ${letter.batch.startSequenceNumber}..${letter.batch.endSequenceNumber})`;
    case 'unknown':
      return 'unknown message';
  }
}

type Outcome = { ok: true; detail?: string } | { ok: false; reason: string };

async function resend(clients: RedriveClients, options: RedriveOptions, letter: DeadLetter): Promise<Outcome> {
  switch (letter.kind) {
    case 'unknown':
      return { ok: false, reason: letter.reason };
    case 'rule-target':
      if (!isFunctionArn(letter.targetArn)) return { ok: false, reason: `target ${letter.targetArn} is not a Lambda function` };
      return invoked(await clients.invoke(letter.targetArn, letter.event));
    case 'async-invocation':
      return invoked(await clients.invoke(letter.functionArn, letter.event));
    case 'stream-batch':
      return resendBatch(clients, options, letter);
  }
}

function invoked(result: Awaited<ReturnType<Invoke>>): Outcome {
  return result.ok ? { ok: true } : { ok: false, reason: `the function failed again: ${result.error}` };
}

async function resendBatch(
  clients: RedriveClients,
  options: RedriveOptions,
  letter: Extract<DeadLetter, { kind: 'stream-batch' }>,
): Promise<Outcome> {
  const { batch } = letter;
  const read = letter.source === 'kinesis' ? await kinesisBatch(clients.kinesis(), batch) : await dynamodbBatch(clients.streams(), batch);
  let records: unknown[];
  let from = 'the stream';
  if ('records' in read) {
    records = read.records;
  } else {
    const rawLog = options.rawLog;
    if (letter.source !== 'kinesis' || !rawLog || !batch.streamArn.endsWith(`/${rawLog.streamName}`)) {
      return { ok: false, reason: `the records are gone (${read.expired}) and the stream has no other copy` };
    }
    const fromLog = await rawLogBatch(clients.s3(), rawLog.bucket, batch);
    records = fromLog.records;
    from = `the raw log (${fromLog.objects} object(s) around the batch's arrival; the stream: ${read.expired})`;
    if (records.length === 0)
      return { ok: false, reason: `the records are gone from the stream and the raw log has none around their arrival` };
  }
  for (let start = 0; start < records.length; start += RECORDS_PER_INVOCATION) {
    const result = await clients.invoke(letter.functionArn, { Records: records.slice(start, start + RECORDS_PER_INVOCATION) });
    if (!result.ok) return { ok: false, reason: `the function failed again: ${result.error}` };
    const failures = (result.payload as { batchItemFailures?: unknown[] } | null)?.batchItemFailures ?? [];
    if (failures.length > 0) return { ok: false, reason: `the function reported ${failures.length} batch item failure(s)` };
  }
  return { ok: true, detail: `${records.length} record(s) from ${from}` };
}
