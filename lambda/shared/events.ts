import { createHash, randomUUID } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { EventBridgeEvent, Context } from 'aws-lambda';
import { clientConfig, env } from './aws';
import { logger, metrics } from './powertools';

/** The envelope every event detail carries (DESIGN.md §2). */
export interface EventEnvelope<T> {
  readonly metadata: {
    readonly eventId: string;
    readonly correlationId: string;
    readonly occurredAt: string;
    readonly version: number;
  };
  readonly data: T;
}

/** An event to publish: its name (`detail-type`) and its data. */
export interface DomainEvent<T = unknown> {
  readonly detailType: string;
  readonly data: T;
}

/**
 * An event whose envelope metadata is already fixed — e.g. an outbox publishing
 * what a write stored, where a redelivery must carry the same event id.
 */
export interface PreparedEvent<T = unknown> extends DomainEvent<T> {
  readonly metadata: EventEnvelope<T>['metadata'];
}

const PUT_EVENTS_MAX_ENTRIES = 10;
const PUT_EVENTS_ATTEMPTS = 4;

const eventBridge = new EventBridgeClient(clientConfig);

export function envelope<T>(data: T, correlationId: string, version = 1): EventEnvelope<T> {
  return {
    metadata: { eventId: randomUUID(), correlationId, occurredAt: new Date().toISOString(), version },
    data,
  };
}

/**
 * The same id for the same name, every time: a name-based (version 5) UUID in
 * the platform's namespace. An event published again for the same fact (e.g.
 * `UserCreated` of one user, redelivered by the stream) keeps its id, so
 * consumers recognise the duplicate.
 */
export function eventIdFor(detailType: string, key: string): string {
  const hash = createHash('sha1').update(EVENT_ID_NAMESPACE).update(`${detailType}#${key}`).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Namespace of `eventIdFor` (a fixed random UUID's bytes); changing it changes every derived id. */
const EVENT_ID_NAMESPACE = Buffer.from('6f1c2b7e9a4d4e0f8b3a5c6d7e8f9a0b', 'hex');

/**
 * Publishes events on the platform bus with source `commerce.<service>`, ten
 * entries a call. Entries PutEvents reports as failed are sent again with backoff;
 * if any is still failing after the last attempt this throws, so the caller's
 * retry (or its DLQ) keeps the event — an event is never dropped silently.
 */
export async function publish(events: readonly DomainEvent[], correlationId: string): Promise<void> {
  const undelivered = await putAll(events.map((event) => entryOf(event.detailType, envelope(event.data, correlationId))));
  if (undelivered.size > 0) {
    throw new Error(`PutEvents failed for ${undelivered.size} entries after ${PUT_EVENTS_ATTEMPTS} attempts`);
  }
}

/**
 * Publishes events whose envelope is fixed by the caller, ten entries a call,
 * sending the entries PutEvents reports as failed again with backoff. Returns
 * the indices (in `events`) of the events still failing after the last
 * attempt — exactly those, so a stream consumer can fail exactly their
 * records. Throws when a call fails as a whole (after the SDK's own retries).
 */
export async function publishPrepared(events: readonly PreparedEvent[]): Promise<Set<number>> {
  return putAll(events.map((event) => entryOf(event.detailType, { metadata: event.metadata, data: event.data })));
}

function entryOf(detailType: string, detail: EventEnvelope<unknown>): PutEventsRequestEntry {
  return {
    EventBusName: env('EVENT_BUS_NAME'),
    Source: `commerce.${env('POWERTOOLS_SERVICE_NAME')}`,
    DetailType: detailType,
    Detail: JSON.stringify(detail),
  };
}

/** Every entry, ten a call; the indices of entries still failing after the last attempt. */
async function putAll(entries: readonly PutEventsRequestEntry[]): Promise<Set<number>> {
  const undelivered = new Set<number>();
  for (let start = 0; start < entries.length; start += PUT_EVENTS_MAX_ENTRIES) {
    const chunk = entries.slice(start, start + PUT_EVENTS_MAX_ENTRIES).map((entry, offset) => ({ entry, index: start + offset }));
    for (const index of await putWithRetries(chunk)) undelivered.add(index);
  }
  return undelivered;
}

async function putWithRetries(chunk: readonly { entry: PutEventsRequestEntry; index: number }[]): Promise<number[]> {
  let pending = chunk;
  for (let attempt = 1; ; attempt++) {
    const result = await eventBridge.send(new PutEventsCommand({ Entries: pending.map(({ entry }) => entry) }));
    if (!result.FailedEntryCount) return [];
    const failed = pending.filter((_, i) => result.Entries?.[i]?.ErrorCode);
    const codes = [...new Set(result.Entries?.map((e) => e.ErrorCode).filter(Boolean))];
    if (attempt >= PUT_EVENTS_ATTEMPTS) {
      logger.error('PutEvents: entries still failing after the last attempt', { failed: failed.length, codes, attempt });
      return failed.map(({ index }) => index);
    }
    logger.warn('PutEvents partially failed; retrying', { failed: failed.length, codes, attempt });
    pending = failed;
    await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
  }
}

/**
 * Wraps an EventBridge-triggered handler: the correlation id from the envelope
 * on every log line, cold-start metric, metrics flushed. Errors propagate, so
 * Lambda's asynchronous retries and the dead-letter queue keep a failed event.
 */
export function eventHandler<T>(
  consume: (data: T, event: EventBridgeEvent<string, EventEnvelope<T>>) => Promise<void>,
) {
  return async (event: EventBridgeEvent<string, EventEnvelope<T>>, context: Context): Promise<void> => {
    logger.resetKeys();
    logger.addContext(context);
    logger.appendKeys({
      correlationId: event.detail?.metadata?.correlationId,
      eventId: event.detail?.metadata?.eventId,
      detailType: event['detail-type'],
    });
    metrics.captureColdStartMetric();
    try {
      if (!event.detail?.metadata?.eventId || event.detail.data === undefined) {
        // A poison event: failing keeps it (retries, then the consumer's DLQ) for an operator.
        throw new Error(`Malformed event envelope for ${event['detail-type']} (id ${event.id})`);
      }
      await consume(event.detail.data, event);
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}
