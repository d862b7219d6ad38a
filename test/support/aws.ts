/**
 * The harness of the integration tests (and the ingestion bench): the local
 * cloud with no app, i.e. one AWS endpoint (its edge) serving DynamoDB with
 * transactions and streams, Kinesis, S3, and EventBridge PutEvents (captured
 * here by an interceptor, optionally failing). It
 * creates what a stack would create (tables, Kinesis streams, buckets, DynamoDB
 * streams — captured by the local cloud's DynamoDB layer), reads back
 * everything written, and builds the events a trigger would deliver, so a test
 * calls the real handlers with the real SDK clients and no AWS account.
 *
 * What is specific to a service (table names, its handlers' variables) stays
 * in its tests.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand as GetStreamRecordsCommand,
  GetShardIteratorCommand as GetStreamShardIteratorCommand,
  ListStreamsCommand,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { DynamoDBRecord, DynamoDBStreamEvent, EventBridgeEvent, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { startLocalCloud, type EdgeHandler } from 'local-cloud';
import type { EventEnvelope } from '../../lambda/shared/events';

const region = 'us-east-1';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

/** One PutEvents entry, its detail parsed. */
export interface PublishedEntry {
  readonly source: string;
  readonly detailType: string;
  readonly detail: EventEnvelope<any>;
}

export interface LocalAws {
  /** The edge's URL, for `AWS_ENDPOINT_URL` (see `handlerEnvironment`). */
  readonly endpoint: string;
  readonly dynamo: DynamoDBDocumentClient;
  readonly kinesis: KinesisClient;
  readonly s3: S3Client;
  /** Every PutEvents entry accepted, in order. */
  readonly published: PublishedEntry[];
  /** While true, PutEvents answers every entry as failed (InternalFailure) and keeps none. */
  failPutEvents: boolean;
  /** While set, PutEvents answers the entries it matches as failed (InternalFailure) and keeps the others. */
  failPutEventsFor: ((entry: PublishedEntry) => boolean) | undefined;
  /** The accepted entries of one detail-type whose data has every field of `about` (e.g. `{ orderId }`). */
  events(detailType: string, about?: Readonly<Record<string, unknown>>): PublishedEntry[];
  /**
   * A table keyed like the stacks key theirs: string `pk`, and string `sk` when
   * asked; with a DynamoDB stream of that view type when `stream` is given; with
   * the orders table's `byCustomer` index (lib/orders.ts: `customerId` +
   * `createdAt`, the summary projected) when `ordersByCustomer`.
   */
  createTable(
    name: string,
    options?: { sortKey?: boolean; stream?: 'KEYS_ONLY' | 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES'; ordersByCustomer?: boolean },
  ): Promise<void>;
  /**
   * The DynamoDB stream records of a streamed table after `after` (a sequence
   * number; from the oldest when omitted), oldest first, as an event source
   * mapping delivers them to Lambda (read with the DynamoDB Streams API).
   */
  streamRecords(table: string, after?: string): Promise<DynamoDBRecord[]>;
  createBucket(name: string): Promise<void>;
  /** A Kinesis stream, resolved once it is ACTIVE. */
  createStream(name: string, shards?: number): Promise<void>;
  /** Every object under `prefix`: key and body. */
  objects(bucket: string, prefix: string): Promise<{ key: string; body: string }[]>;
  /** Every record of every shard, oldest first per shard, as a Lambda Kinesis record. */
  records(stream: string): Promise<KinesisStreamRecord[]>;
  /** Every item of a table (consistent read). */
  scan(table: string): Promise<Record<string, any>[]>;
  stop(): Promise<void>;
}

export interface LocalAwsOptions {
  /** Sees every DynamoDB call first: answers it (e.g. an injected error) or returns undefined to let it through. */
  readonly dynamodb?: EdgeHandler;
}

/** Starts the local cloud with no app on free ports, PutEvents captured. */
export async function startLocalAws(options: LocalAwsOptions = {}): Promise<LocalAws> {
  const published: PublishedEntry[] = [];
  const state: { failPutEvents: boolean; failPutEventsFor: ((entry: PublishedEntry) => boolean) | undefined } = {
    failPutEvents: false,
    failPutEventsFor: undefined,
  };
  const stateDir = mkdtempSync(path.join(tmpdir(), 'local-aws-'));
  const cloud = await startLocalCloud({
    assemblyDir: null,
    apiPort: 0,
    edgePort: 0,
    stateDir,
    log: () => undefined,
    interceptors: {
      events: capturePutEvents(published, (entry) => state.failPutEvents || (state.failPutEventsFor?.(entry) ?? false)),
      ...(options.dynamodb ? { dynamodb: options.dynamodb } : {}),
    },
  });
  const edge = { url: cloud.edgeUrl };
  const dynamoClient = new DynamoDBClient({ endpoint: edge.url, region, credentials });
  const dynamo = DynamoDBDocumentClient.from(dynamoClient, { marshallOptions: { removeUndefinedValues: true } });
  const kinesis = new KinesisClient({ endpoint: edge.url, region, credentials, requestHandler: new NodeHttpHandler() });
  const streams = new DynamoDBStreamsClient({ endpoint: edge.url, region, credentials });
  const s3 = new S3Client({
    endpoint: edge.url,
    region,
    credentials,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });

  return {
    endpoint: edge.url,
    dynamo,
    kinesis,
    s3,
    published,
    get failPutEvents() {
      return state.failPutEvents;
    },
    set failPutEvents(value: boolean) {
      state.failPutEvents = value;
    },
    get failPutEventsFor() {
      return state.failPutEventsFor;
    },
    set failPutEventsFor(value) {
      state.failPutEventsFor = value;
    },
    events: (detailType, about = {}) =>
      published.filter(
        (entry) => entry.detailType === detailType && Object.entries(about).every(([field, value]) => entry.detail.data?.[field] === value),
      ),
    async createTable(name, options = {}) {
      const keys = options.sortKey ? ['pk', 'sk'] : ['pk'];
      const indexKeys = options.ordersByCustomer ? ['customerId', 'createdAt'] : [];
      await dynamoClient.send(
        new CreateTableCommand({
          TableName: name,
          AttributeDefinitions: [...keys, ...indexKeys].map((key) => ({ AttributeName: key, AttributeType: 'S' })),
          KeySchema: keys.map((key, i) => ({ AttributeName: key, KeyType: i === 0 ? 'HASH' : 'RANGE' })),
          BillingMode: 'PAY_PER_REQUEST',
          ...(options.ordersByCustomer
            ? {
                GlobalSecondaryIndexes: [
                  {
                    IndexName: 'byCustomer', // lib/orders.ts ORDERS_BY_CUSTOMER_INDEX (not imported: it loads the CDK)
                    KeySchema: indexKeys.map((key, i) => ({ AttributeName: key, KeyType: i === 0 ? 'HASH' : 'RANGE' })),
                    Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['orderId', 'status', 'total', 'currency', 'updatedAt'] },
                  },
                ],
              }
            : {}),
          ...(options.stream ? { StreamSpecification: { StreamEnabled: true, StreamViewType: options.stream } } : {}),
        }),
      );
    },
    async streamRecords(table, after) {
      const { Streams } = await streams.send(new ListStreamsCommand({ TableName: table }));
      const streamArn = Streams?.[0]?.StreamArn;
      if (!streamArn) throw new Error(`table ${table} has no stream`);
      const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
      const records: DynamoDBRecord[] = [];
      for (const shard of StreamDescription?.Shards ?? []) {
        let { ShardIterator: iterator } = await streams.send(
          new GetStreamShardIteratorCommand({
            StreamArn: streamArn,
            ShardId: shard.ShardId!,
            ...(after ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after } : { ShardIteratorType: 'TRIM_HORIZON' }),
          }),
        );
        while (iterator) {
          const page = await streams.send(new GetStreamRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
          for (const record of page.Records ?? []) records.push(lambdaStreamRecord(record, streamArn));
          if (!page.Records?.length) break; // caught up: an open shard's iterator never ends
          iterator = page.NextShardIterator;
        }
      }
      return records;
    },
    async createBucket(name) {
      await s3.send(new CreateBucketCommand({ Bucket: name }));
    },
    async createStream(name, shards = 2) {
      await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
      for (;;) {
        const { StreamDescriptionSummary } = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
        if (StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async objects(bucket, prefix) {
      const found: { key: string; body: string }[] = [];
      let token: string | undefined;
      do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
        for (const { Key } of page.Contents ?? []) {
          const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key }));
          found.push({ key: Key!, body: await object.Body!.transformToString() });
        }
        token = page.NextContinuationToken;
      } while (token);
      return found;
    },
    async records(stream) {
      const { Shards } = await kinesis.send(new ListShardsCommand({ StreamName: stream }));
      const all: KinesisStreamRecord[] = [];
      for (const shard of Shards ?? []) {
        let { ShardIterator: iterator } = await kinesis.send(
          new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }),
        );
        while (iterator) {
          const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
          for (const record of page.Records ?? []) all.push(lambdaRecord(stream, shard.ShardId!, record));
          if (!page.Records?.length) break; // caught up: kinesalite keeps an open shard's iterator forever
          iterator = page.NextShardIterator;
        }
      }
      return all;
    },
    async scan(table) {
      const items: Record<string, any>[] = [];
      let start: Record<string, any> | undefined;
      do {
        const page = await dynamo.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start, ConsistentRead: true }));
        items.push(...(page.Items ?? []));
        start = page.LastEvaluatedKey;
      } while (start);
      return items;
    },
    async stop() {
      dynamoClient.destroy();
      streams.destroy();
      kinesis.destroy();
      s3.destroy();
      await cloud.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/**
 * EventBridge's PutEvents, answered here: each entry is appended to
 * `published`, or, when `failing(entry)`, answered as failed (so a handler's
 * FailedEntryCount check can be seen at work, entry by entry) and not kept.
 */
function capturePutEvents(published: PublishedEntry[], failing: (entry: PublishedEntry) => boolean): EdgeHandler {
  return async (request) => {
    const { Entries } = JSON.parse(request.body.toString('utf8')) as {
      Entries: { Source: string; DetailType: string; Detail: string }[];
    };
    const results = Entries.map((raw) => {
      const entry = { source: raw.Source, detailType: raw.DetailType, detail: JSON.parse(raw.Detail) };
      if (failing(entry)) return { ErrorCode: 'InternalFailure', ErrorMessage: 'injected' };
      published.push(entry);
      return { EventId: randomUUID() };
    });
    const failed = results.filter((r) => 'ErrorCode' in r).length;
    return {
      status: 200,
      headers: { 'content-type': 'application/x-amz-json-1.1' },
      body: JSON.stringify({ FailedEntryCount: failed, Entries: results }),
    };
  };
}

/**
 * Points the handlers at the endpoint, names their service and sets their own
 * variables (table names...). Call before importing a handler module: handlers
 * read their environment at import.
 */
export function handlerEnvironment(endpoint: string, service: string, variables: Record<string, string>): void {
  process.env.AWS_ENDPOINT_URL = endpoint;
  process.env.EVENT_BUS_NAME = 'test-bus'; // PutEvents is captured whatever the bus
  process.env.POWERTOOLS_SERVICE_NAME = service;
  process.env.POWERTOOLS_METRICS_DISABLED = 'true'; // no EMF lines in test output
  Object.assign(process.env, variables);
}

/** An event as an EventBridge rule delivers it to a Lambda target, with the platform envelope. */
// `any` data: tests also send partial or malformed data on purpose, as a bus could.
export function busEvent(
  detailType: string,
  source: string,
  data: object,
  eventId: string = randomUUID(),
): EventBridgeEvent<string, EventEnvelope<any>> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': detailType,
    source,
    account: '000000000000',
    time: new Date().toISOString(),
    region,
    resources: [],
    detail: { metadata: { eventId, correlationId: `test-${eventId}`, occurredAt: new Date().toISOString(), version: 1 }, data },
  };
}

/** Lambda's event for a batch of DynamoDB stream records, as an event source mapping delivers it. */
export const dynamoDbStreamEvent = (records: readonly DynamoDBRecord[]): DynamoDBStreamEvent => ({ Records: [...records] });

/** Lambda's event for a batch of records, as an event source mapping delivers it. */
export const kinesisEvent = (records: readonly KinesisStreamRecord[]): KinesisStreamEvent => ({ Records: [...records] });

function lambdaRecord(
  stream: string,
  shardId: string,
  record: { Data?: Uint8Array; PartitionKey?: string; SequenceNumber?: string; ApproximateArrivalTimestamp?: Date },
): KinesisStreamRecord {
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: record.PartitionKey!,
      sequenceNumber: record.SequenceNumber!,
      data: Buffer.from(record.Data!).toString('base64'),
      approximateArrivalTimestamp: (record.ApproximateArrivalTimestamp?.getTime() ?? Date.now()) / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${shardId}:${record.SequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::000000000000:role/test',
    awsRegion: region,
    eventSourceARN: `arn:aws:kinesis:${region}:000000000000:stream/${stream}`,
  };
}

/** A record of the DynamoDB Streams API as an event source mapping hands it to Lambda. */
function lambdaStreamRecord(record: StreamRecord, streamArn: string): DynamoDBRecord {
  const { ApproximateCreationDateTime, ...change } = record.dynamodb ?? {};
  return {
    ...record,
    dynamodb: {
      ...change,
      ...(ApproximateCreationDateTime ? { ApproximateCreationDateTime: ApproximateCreationDateTime.getTime() / 1000 } : {}),
    },
    eventSourceARN: streamArn,
  } as DynamoDBRecord;
}

/** What an outbox publisher (#shared/outbox) answers for a batch. */
type OutboxPublisher = (event: DynamoDBStreamEvent, context: any) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>;

/**
 * The event source mapping of an outbox, driven by the test: `relay()` hands the
 * table's stream records written since the last call to `publisher`, ten a
 * batch as the mapping does, and returns the records it reported as failed.
 */
export function outboxRelay(cloud: LocalAws, table: string, publisher: OutboxPublisher, context: unknown) {
  let position: string | undefined;
  return {
    async relay(): Promise<string[]> {
      const records = await cloud.streamRecords(table, position);
      if (records.length > 0) position = records.at(-1)!.dynamodb!.SequenceNumber;
      const failed: string[] = [];
      for (let start = 0; start < records.length; start += 10) {
        const result = await publisher(dynamoDbStreamEvent(records.slice(start, start + 10)), context);
        failed.push(...result.batchItemFailures.map((failure) => failure.itemIdentifier));
      }
      return failed;
    },
  };
}
