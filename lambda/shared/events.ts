import { randomUUID } from 'node:crypto';
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
 * Publishes events on the platform bus with source `commerce.<service>`, ten
 * entries a call. Entries PutEvents reports as failed are sent again with backoff;
 * if any is still failing after the last attempt this throws, so the caller's
 * retry (or its DLQ) keeps the event — an event is never dropped silently.
 */
export async function publish(events: readonly DomainEvent[], correlationId: string): Promise<void> {
  const source = `commerce.${env('POWERTOOLS_SERVICE_NAME')}`;
  const busName = env('EVENT_BUS_NAME');
  const entries: PutEventsRequestEntry[] = events.map((event) => ({
    EventBusName: busName,
    Source: source,
    DetailType: event.detailType,
    Detail: JSON.stringify(envelope(event.data, correlationId)),
  }));
  for (let start = 0; start < entries.length; start += PUT_EVENTS_MAX_ENTRIES) {
    await putWithRetries(entries.slice(start, start + PUT_EVENTS_MAX_ENTRIES));
  }
}

async function putWithRetries(entries: PutEventsRequestEntry[]): Promise<void> {
  let pending = entries;
  for (let attempt = 1; ; attempt++) {
    const result = await eventBridge.send(new PutEventsCommand({ Entries: pending }));
    if (!result.FailedEntryCount) return;
    const failed = pending.filter((_, i) => result.Entries?.[i]?.ErrorCode);
    const codes = [...new Set(result.Entries?.map((e) => e.ErrorCode).filter(Boolean))];
    if (attempt >= PUT_EVENTS_ATTEMPTS) {
      throw new Error(`PutEvents failed for ${failed.length} entries after ${attempt} attempts: ${codes.join(', ')}`);
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
