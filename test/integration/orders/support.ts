/**
 * What the order saga's integration tests share: an AWS endpoint serving
 * DynamoDB (with transactions) and EventBridge PutEvents, tables created like
 * the stack's (string `pk`), the handlers' environment, and EventBridge-shaped
 * events to invoke consumers with.
 */
import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { EventBridgeEvent } from 'aws-lambda';
import { DynamoDbLayer } from '../../../local/dynamodb/transactions';
import { startEdge, type Edge } from '../../../local/edge';
import { startEmulators, type Emulators } from '../../../local/emulators';
import type { EventEnvelope } from '../../../lambda/shared/events';

export interface PublishedEntry {
  readonly source: string;
  readonly detailType: string;
  readonly detail: EventEnvelope<any>;
}

export interface SagaCloud {
  readonly endpoint: string;
  readonly dynamo: DynamoDBDocumentClient;
  /** Every PutEvents entry received, in order. */
  readonly published: PublishedEntry[];
  /** Events of one detail-type about one order. */
  eventsFor(orderId: string, detailType?: string): PublishedEntry[];
  /** A table keyed like `table()` makes them: string `pk`, and string `sk` when asked. */
  createTable(name: string, options?: { sortKey?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

export async function startSagaCloud(): Promise<SagaCloud> {
  const emulators: Emulators = await startEmulators({ host: '127.0.0.1' });
  const layer = new DynamoDbLayer({ endpoint: emulators.dynamodb });
  const published: PublishedEntry[] = [];
  const edge: Edge = await startEdge({
    host: '127.0.0.1',
    upstreams: { dynamodb: emulators.dynamodb },
    handlers: {
      dynamodb: [layer.handler],
      events: [
        async (request) => {
          const { Entries } = JSON.parse(request.body.toString('utf8')) as {
            Entries: { Source: string; DetailType: string; Detail: string }[];
          };
          for (const entry of Entries) {
            published.push({ source: entry.Source, detailType: entry.DetailType, detail: JSON.parse(entry.Detail) });
          }
          return {
            status: 200,
            headers: { 'content-type': 'application/x-amz-json-1.1' },
            body: JSON.stringify({ FailedEntryCount: 0, Entries: Entries.map(() => ({ EventId: randomUUID() })) }),
          };
        },
      ],
    },
  });
  const client = new DynamoDBClient({ endpoint: edge.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const dynamo = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return {
    endpoint: edge.url,
    dynamo,
    published,
    eventsFor: (orderId, detailType) =>
      published.filter((e) => e.detail.data?.orderId === orderId && (!detailType || e.detailType === detailType)),
    async createTable(name, options = {}) {
      const keys = options.sortKey ? ['pk', 'sk'] : ['pk'];
      await client.send(
        new CreateTableCommand({
          TableName: name,
          AttributeDefinitions: keys.map((key) => ({ AttributeName: key, AttributeType: 'S' })),
          KeySchema: keys.map((key, i) => ({ AttributeName: key, KeyType: i === 0 ? 'HASH' : 'RANGE' })),
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
    },
    async stop() {
      client.destroy();
      await edge.stop();
      await layer.stop();
      await emulators.stop();
    },
  };
}

/** Points the handlers at the endpoint; call before importing a handler module (they read env at import). */
export function handlerEnvironment(endpoint: string, service: string, tables: Record<string, string>): void {
  process.env.AWS_ENDPOINT_URL = endpoint;
  process.env.EVENT_BUS_NAME = 'saga-bus';
  process.env.POWERTOOLS_SERVICE_NAME = service;
  process.env.POWERTOOLS_METRICS_DISABLED = 'true'; // no EMF lines in test output
  Object.assign(process.env, tables);
}

/** An event as an EventBridge rule delivers it to a Lambda target, with the platform envelope. */
// `any` data: tests also send partial or malformed data on purpose, as a bus could.
export function busEvent(detailType: string, source: string, data: object, eventId: string = randomUUID()): EventBridgeEvent<string, EventEnvelope<any>> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': detailType,
    source,
    account: '000000000000',
    time: new Date().toISOString(),
    region: 'us-east-1',
    resources: [],
    detail: { metadata: { eventId, correlationId: `test-${eventId}`, occurredAt: new Date().toISOString(), version: 1 }, data },
  };
}
