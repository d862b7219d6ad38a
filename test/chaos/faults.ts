/**
 * The chaos suite's levers and its record: fault rules and a seed set through
 * the local cloud's Chaos API (LocalStack's schema, `/_localstack/chaos/...`),
 * clients that resend on 5xx as a storefront would, and the report line each
 * scenario prints (docs/reliability.md records a run).
 */
import { GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { readDeadLetter } from '../../cli/redrive/dead-letters';

export interface FaultRule {
  readonly service?: string;
  readonly operation?: string;
  readonly probability?: number;
  readonly error?: { readonly statusCode: number; readonly code: string };
  readonly kill?: boolean;
  readonly functionName?: string;
  readonly times?: number;
}

const endpoint = () => {
  const url = process.env.AWS_ENDPOINT_URL;
  if (!url) throw new Error('AWS_ENDPOINT_URL is not set (the chaos global setup sets it)');
  return url;
};

async function control(path: string, method: string, body: unknown): Promise<unknown> {
  const response = await fetch(`${endpoint()}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

/** Replaces every fault rule, with a seed so that a run is reproducible. */
export async function injectFaults(rules: readonly FaultRule[], seed: number): Promise<void> {
  await control('/_localstack/chaos/effects', 'POST', { seed });
  await control('/_localstack/chaos/faults', 'POST', rules);
}

export async function clearFaults(): Promise<void> {
  await control('/_localstack/chaos/faults', 'POST', []);
}

/** Calls `send` until it answers below 500 (at most `max` times); how many resends it took. */
export async function resendOn5xx<T extends { status: number }>(
  send: () => Promise<T>,
  max = 30,
): Promise<{ response: T; resends: number }> {
  for (let resends = 0; ; resends++) {
    let response: T | undefined;
    try {
      response = await send();
    } catch (error) {
      if (resends + 1 >= max) throw error;
    }
    if (response && (response.status < 500 || resends + 1 >= max)) return { response, resends };
  }
}

/** Polls `probe` until it returns a value, with a deadline. */
export async function settle<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * Every dead-letter queue of the stack (outputs `DeadLetterQueue<name>`): its
 * depth, and the messages `npm run redrive` could not redrive (unknown shapes).
 * Read with a zero visibility timeout: nothing is hidden from a later redrive.
 */
export async function deadLetters(
  outputs: Readonly<Record<string, string>>,
): Promise<{ depth: Record<string, number>; unredrivable: string[] }> {
  const sqs = new SQSClient({});
  const depth: Record<string, number> = {};
  const unredrivable: string[] = [];
  for (const [key, url] of Object.entries(outputs).filter(([k]) => k.startsWith('DeadLetterQueue'))) {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    const count = Number(Attributes?.ApproximateNumberOfMessages ?? 0);
    if (count === 0) continue;
    depth[key.slice('DeadLetterQueue'.length)] = count;
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 0, MessageAttributeNames: ['All'] }),
    );
    for (const m of Messages) {
      const attributes = Object.fromEntries(Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue]));
      const letter = readDeadLetter(m.Body ?? '', attributes);
      if (letter.kind === 'unknown') unredrivable.push(`${key}: ${letter.reason}`);
    }
  }
  return { depth, unredrivable };
}

/** One scenario's record: printed for docs/reliability.md. */
export function report(scenario: string, record: Record<string, unknown>): void {
  process.stdout.write(`[chaos] ${scenario}: ${JSON.stringify(record)}\n`);
}
