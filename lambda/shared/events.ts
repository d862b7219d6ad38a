import { createHash, randomUUID } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { ENV } from '#contracts/environment';
import { type DetailType, type EventData, type EventEnvelope, EVENTS, isDetailType } from '#contracts/events';
import { clientConfig, env } from './aws';
import { logger, metrics, MetricUnit } from './powertools';
import { retryFailed } from './retry';
import { problemsOf } from './validation';

export type { EventEnvelope } from '#contracts/events';

/**
 * An event to publish: its name (`detail-type`) and its data, typed by the
 * name — `{ detailType: 'OrderPlaced', data }` only compiles when `data` is an
 * `OrderPlaced`'s (#contracts/events). `DomainEvent` alone is any platform event.
 */
export type DomainEvent<K extends DetailType = DetailType> = {
  [P in K]: { readonly detailType: P; readonly data: EventData<P> };
}[K];

/**
 * An event whose envelope metadata is already fixed — e.g. an outbox publishing
 * what a write stored, where a redelivery must carry the same event id.
 */
export type PreparedEvent<K extends DetailType = DetailType> = DomainEvent<K> & {
  readonly metadata: EventEnvelope<unknown>['metadata'];
};

/** `{ detailType, data }`, checked against the contract of `detailType`. */
export const domainEvent = <K extends DetailType>(detailType: K, data: EventData<K>): DomainEvent<K> =>
  ({ detailType, data }) as DomainEvent<K>;

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
 * Publishes events on the platform bus, each with its contract's source, ten
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

/** The entry of an event: its source is the one the contract gives its detail-type. */
function entryOf(detailType: DetailType, detail: EventEnvelope<unknown>): PutEventsRequestEntry {
  return {
    EventBusName: env(ENV.EVENT_BUS_NAME),
    Source: EVENTS[detailType].source,
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

/** One call's entries, then the ones PutEvents reports as failed (retryFailed); the indices still failing. */
async function putWithRetries(chunk: readonly { entry: PutEventsRequestEntry; index: number }[]): Promise<number[]> {
  const failed = await retryFailed(
    chunk.map((item) => ({ ...item, errorCode: undefined as string | undefined })),
    async (pending) => {
      const result = await eventBridge.send(new PutEventsCommand({ Entries: pending.map(({ entry }) => entry) }));
      if (!result.FailedEntryCount) return [];
      return pending.flatMap((item, i) => {
        const errorCode = result.Entries?.[i]?.ErrorCode;
        return errorCode ? [{ ...item, errorCode }] : [];
      });
    },
    {
      attempts: PUT_EVENTS_ATTEMPTS,
      onRetry: (entries, attempt) =>
        logger.warn('PutEvents partially failed; retrying', { failed: entries.length, codes: codesOf(entries), attempt }),
    },
  );
  if (failed.length > 0) {
    logger.error('PutEvents: entries still failing after the last attempt', {
      failed: failed.length,
      codes: codesOf(failed),
      attempt: PUT_EVENTS_ATTEMPTS,
    });
  }
  return failed.map(({ index }) => index);
}

const codesOf = (failed: readonly { errorCode?: string }[]) => [...new Set(failed.map((f) => f.errorCode).filter(Boolean))];

/** The event a consumer of `K` receives: the delivery, with its data validated against the contract. */
export type DeliveredEvent<K extends DetailType> = EventBridgeEvent<K, EventEnvelope<EventData<K>>>;

/** Consumes one kind of event: its validated data, and the whole delivery (envelope metadata, ids). */
export type Consumer<K extends DetailType> = (data: EventData<K>, event: DeliveredEvent<K>) => Promise<void>;

/** One consumer per detail-type a function subscribes to. */
export type Consumers<K extends DetailType> = { readonly [P in K]: Consumer<P> };

/**
 * Wraps an EventBridge-triggered handler, typed by detail-type:
 * `eventHandler('OrderPlaced', async (data, event) => ...)` for one event, or
 * `eventHandler({ PaymentCompleted: ..., OrderFailed: ... })` for several. Each
 * consumer gets its event's `data` validated against the contract
 * (#contracts/events), so no consumer casts. Also: the correlation id from the
 * envelope on every log line, cold-start metric, metrics flushed.
 *
 * A malformed event (no envelope, data that does not match its detail-type's
 * schema, or a detail-type this function does not consume) is logged, counted
 * (`MalformedEvent`) and refused with an error — like any failure, which
 * propagates, so Lambda's asynchronous retries and the dead-letter queue keep
 * the event for an operator. The consumer never sees it.
 */
export function eventHandler<K extends DetailType>(
  detailType: K,
  consume: Consumer<K>,
): (event: EventBridgeEvent<string, unknown>, context: Context) => Promise<void>;
export function eventHandler<K extends DetailType>(
  consumers: Consumers<K>,
): (event: EventBridgeEvent<string, unknown>, context: Context) => Promise<void>;
export function eventHandler<K extends DetailType>(detailTypeOrConsumers: K | Consumers<K>, consume?: Consumer<K>) {
  const consumers = (typeof detailTypeOrConsumers === 'string' ? { [detailTypeOrConsumers]: consume! } : detailTypeOrConsumers) as Partial<
    Record<string, Consumer<DetailType>>
  >;
  return async (event: EventBridgeEvent<string, unknown>, context: Context): Promise<void> => {
    const detail = event.detail as Partial<EventEnvelope<unknown>> | undefined;
    const detailType = event['detail-type'];
    logger.resetKeys();
    logger.addContext(context);
    logger.appendKeys({ correlationId: detail?.metadata?.correlationId, eventId: detail?.metadata?.eventId, detailType });
    metrics.captureColdStartMetric();
    try {
      if (!detail?.metadata?.eventId || detail.data === undefined) {
        refuse(`Malformed event envelope for ${detailType} (id ${event.id})`);
      }
      const consumer = Object.hasOwn(consumers, detailType) ? consumers[detailType] : undefined;
      if (!consumer || !isDetailType(detailType)) refuse(`This consumer does not handle ${detailType} (id ${event.id})`);
      const parsed = EVENTS[detailType].data.safeParse(detail.data);
      if (!parsed.success) refuse(`${malformation(detailType, problemsOf(parsed.error, detail.data))} (id ${event.id})`);
      const data = parsed.data as EventData<DetailType>;
      await consumer(data, { ...event, 'detail-type': detailType, detail: { metadata: detail.metadata, data } });
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}

/** Logs and counts an event the consumer cannot take, and fails the invocation with `reason`. */
function refuse(reason: string): never {
  logger.error('Malformed event refused', { reason });
  metrics.addMetric('MalformedEvent', MetricUnit.Count, 1);
  throw new Error(reason);
}

/** `OrderPlaced without an orderId and a total; lines.0.sku must be a string`: what is wrong with the data. */
function malformation(detailType: string, problems: readonly { path: string; message: string }[]): string {
  const missing = problems.filter((p) => p.message === 'is required').map((p) => `${/^[aeio]/i.test(p.path) ? 'an' : 'a'} ${p.path}`);
  const wrong = problems.filter((p) => p.message !== 'is required').map((p) => `${p.path} ${p.message}`);
  return [missing.length > 0 ? `${detailType} without ${missing.join(' and ')}` : `Malformed ${detailType}`, ...wrong].join('; ');
}
