import { randomUUID } from 'node:crypto';
import { PutRecordCommand } from '@aws-sdk/client-kinesis';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { rawLogKey, toNdjson } from '#domain/activity';
import { buildActivityEvents } from '#domain/activity-batch';
import { dynamo } from '#shared/dynamo';
import { accepted, httpHandler, jsonBody } from '#shared/http';
import { kinesis } from '#shared/kinesis';
import { metrics, MetricUnit } from '#shared/powertools';
import { s3 } from '#shared/s3';
import { validateActivityRequest } from '../lambda/analytics/activity-request';
import { statsItem } from '../lambda/analytics/activity-store';

/** Where the naive handler writes. */
export interface ActivityNames {
  readonly streamName: string;
  readonly bucket: string;
  readonly statsTable: string;
}

/** The endpoint's body limit (ingest-activity.ts). */
const MAX_BODY_BYTES = 2 * 1024 * 1024;

/**
 * POST /activity as a naive handler would write it, for bench/ingestion.ts:
 * the same validation, ids, scores, key layout, stats items and SDK clients as
 * lambda/analytics/ingest-activity.ts, but one call per event per place,
 * awaited in turn: PutRecord, then PutObject of the event's own raw log object,
 * then PutItem of its stats item. Only the I/O strategy differs (and, being
 * naive, it has no partial-failure handling: a failed call is a 500).
 */
export function naiveIngestHandler(names: ActivityNames) {
  return httpHandler(async (request) => {
    const { accepted: valid, rejected } = validateActivityRequest(jsonBody(request, MAX_BODY_BYTES));
    const batch = { batchId: randomUUID(), receivedAt: new Date(), correlationId: request.correlationId };
    const events = buildActivityEvents(
      valid.map((v) => v.input),
      batch,
      () => randomUUID(),
    );
    for (const event of events) {
      const record = { StreamName: names.streamName, PartitionKey: event.userId, Data: Buffer.from(JSON.stringify(event)) };
      await kinesis.send(new PutRecordCommand(record));
      await s3.send(
        new PutObjectCommand({
          Bucket: names.bucket,
          Key: rawLogKey(batch.receivedAt, event.eventId),
          Body: toNdjson([event]),
          ContentType: 'application/x-ndjson',
          IfNoneMatch: '*',
        }),
      );
      await dynamo.send(new PutCommand({ TableName: names.statsTable, Item: statsItem(event, Date.now()) }));
    }
    metrics.addMetric('ActivityAccepted', MetricUnit.Count, events.length);
    metrics.addMetric('ActivityRejected', MetricUnit.Count, rejected.length);
    return accepted({
      batchId: batch.batchId,
      accepted: events.length,
      rejected: rejected.length,
      acceptedEvents: events.map((event, i) => ({ index: valid[i]!.index, eventId: event.eventId, score: event.score })),
      rejectedEvents: rejected,
    });
  });
}
