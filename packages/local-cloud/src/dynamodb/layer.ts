/**
 * The DynamoDB layer of the edge: everything dynalite lacks, supplied in front
 * of it. dynalite 4 answers `UnknownOperationException` to `TransactWriteItems`,
 * `TransactGetItems` and the Streams API (docs/decisions.md §11); this layer
 * implements the transactions over dynalite's own single-item operations
 * (transactions.ts), captures stream records for streamed tables (capture.ts,
 * streams.ts), serves the Streams API (streams-api.ts) and forwards every
 * other call as is (dynalite.ts).
 *
 * Isolation comes from one readers–writer lock over the whole DynamoDB API: a
 * transaction holds it exclusively, every other call holds it shared. So no
 * call ever sees a half-applied transaction, and two transactions never
 * interleave. Local throughput does not need more concurrency than that.
 */
import { randomUUID } from 'node:crypto';
import type { RequestListener } from 'node:http';
import { crc32 } from 'node:zlib';
import type {
  DescribeTimeToLiveInput,
  TransactGetItemsInput,
  TransactWriteItemsInput,
  UpdateTimeToLiveInput,
} from '@aws-sdk/client-dynamodb';
import { errorMessage } from '../protocol/errors';
import { headerValue, jsonProtocol } from '../protocol/json';
import { raw, type RawOperation, type Wire } from '../protocol/operations';
import type { EdgeHandler, EdgeRequest, EdgeResponse } from '../types';
import { StreamCapture } from './capture';
import { Dynalite } from './dynalite';
import { DYNAMODB_NS, dynamoDbError, serializationError } from './errors';
import { ReadWriteLock } from './locks';
import { DynamoDbStreams, type StreamedTable } from './streams';
import { streamsApi } from './streams-api';
import { Tables } from './tables';
import { Transactions } from './transactions';
import { TimeToLive, TTL_USER_IDENTITY, type TtlTable } from './ttl';

/** How to build the DynamoDB layer: the dynalite it fronts, and which tables have a stream. */
export interface DynamoDbLayerOptions {
  /**
   * dynalite's request listener (dynalite runs in this process): calls are handed
   * to it directly (light-my-request) rather than over a loopback socket, the same
   * bytes in and out at a fraction of the cost.
   */
  readonly dynalite: RequestListener;
  /** Tables whose template enables a stream (see `streamedTablesOf`). */
  readonly streamedTables?: readonly StreamedTable[];
  /** Tables whose template enables TTL (see `ttlTablesOf`); the sweeper deletes their expired items (ttl.ts). */
  readonly ttlTables?: readonly TtlTable[];
  /** Pause between TTL sweeps (default 1000 ms). */
  readonly ttlIntervalMs?: number;
  readonly region?: string;
  readonly accountId?: string;
  /** How long a `ClientRequestToken` is remembered (default 10 minutes, as on AWS). */
  readonly idempotencyWindowMs?: number;
}

/**
 * The edge's handler for service `dynamodb`.
 *
 * Guarantees, as on AWS:
 * - `TransactWriteItems` is all-or-nothing: every action's condition is
 *   evaluated (by dynalite itself, so the expression language is AWS's), and if
 *   any fails nothing is left written; the answer is `TransactionCanceledException`
 *   with one `CancellationReasons` entry per action, in order: `None`,
 *   `ConditionalCheckFailed` ("The conditional request failed", plus `Item` with
 *   `ReturnValuesOnConditionCheckFailure: ALL_OLD`) or `ValidationError`;
 * - request validation first: 1 to 100 actions, exactly one operation per
 *   action, one action per item ("Transaction request cannot include multiple
 *   operations on one item"), all as `ValidationException`;
 * - `ClientRequestToken`: a repeat within 10 minutes returns the first
 *   success without applying it again; the same token with another request is
 *   `IdempotentParameterMismatchException`;
 * - `TransactGetItems` reads a consistent snapshot (no write runs meanwhile);
 * - writes to streamed tables (single, batch and transactional) produce one
 *   stream record per changed item, after the write committed;
 * - the Streams API (`DynamoDBStreams_20120810.*`, signed with service
 *   `dynamodb` too) is served from the same handler.
 *
 * Every other call is forwarded to dynalite by this handler itself (it never
 * returns undefined for service `dynamodb`): the shared lock must be held
 * until dynalite has answered, which a later forward by the edge could not do.
 */
export class DynamoDbLayer {
  /** Serves every call of service `dynamodb`; returns undefined for other services. */
  readonly handler: EdgeHandler;
  /** The stream records and the reader event source mappings poll. */
  readonly streams: DynamoDbStreams;
  /** Time to Live: settings and the sweeper (`start()` it; the local cloud stops it). */
  readonly ttl: TimeToLive;

  private readonly lock = new ReadWriteLock();

  constructor(options: DynamoDbLayerOptions) {
    const dynalite = new Dynalite(options.dynalite);
    const tables = new Tables(dynalite);
    this.streams = new DynamoDbStreams({
      tables: options.streamedTables,
      region: options.region,
      accountId: options.accountId,
      keySchemaOf: (table) => tables.keySchema(table),
    });
    const transactions = new Transactions(tables, this.streams, this.lock, options.idempotencyWindowMs ?? 10 * 60_000);
    const capture = new StreamCapture(tables, this.streams);
    /** Forwarded as is (after stream capture, for writes), under the shared lock until dynalite has answered. */
    const shared = (serve: (request: EdgeRequest, operation: string) => Promise<EdgeResponse>): RawOperation =>
      raw((request, operation) => this.lock.shared(() => serve(request, operation)));
    const forward = (request: EdgeRequest) => this.lock.shared(() => dynalite.forward(request));
    const writeItem = shared((request, operation) => capture.writeItem(request, operation));
    const tableCall = shared((request, operation) => capture.tableCall(request, operation));
    this.ttl = new TimeToLive({
      tables,
      ttlTables: options.ttlTables,
      intervalMs: options.ttlIntervalMs,
      shared: (fn) => this.lock.shared(fn),
      deleteExpired: (request) => this.lock.shared(() => capture.writeItem(request, 'DeleteItem', TTL_USER_IDENTITY)),
    });
    const internalError = (error: unknown) =>
      dynamoDbError('InternalServerError', `Local DynamoDB layer failed: ${errorMessage(error)}`, DYNAMODB_NS, 500);
    const dynamoDbApi = jsonProtocol({
      version: '1.0',
      targetPrefix: 'DynamoDB_20120810',
      namespace: DYNAMODB_NS,
      operations: {
        TransactWriteItems: (input: Wire<TransactWriteItemsInput>) => transactions.write(input),
        TransactGetItems: (input: Wire<TransactGetItemsInput>) => transactions.get(input),
        PutItem: writeItem,
        UpdateItem: writeItem,
        DeleteItem: writeItem,
        BatchWriteItem: shared((request) => capture.batchWriteItem(request)),
        CreateTable: tableCall,
        UpdateTable: tableCall,
        DeleteTable: tableCall,
        DescribeTable: tableCall,
        DescribeTimeToLive: (input: Wire<DescribeTimeToLiveInput>) => this.lock.shared(() => this.ttl.describe(input)),
        UpdateTimeToLive: (input: Wire<UpdateTimeToLiveInput>) => this.lock.shared(() => this.ttl.update(input)),
      },
      otherOperations: forward,
      malformedBody: serializationError,
      internalError,
      answerHeaders: (body) => ({ 'x-amzn-requestid': randomUUID(), 'x-amz-crc32': String(crc32(body)) }),
    });
    const streamsApiHandler = streamsApi(this.streams, internalError);
    this.handler = async (request) => {
      if (request.service !== 'dynamodb') return undefined;
      const target = request.target ?? headerValue(request.headers['x-amz-target']) ?? '';
      if (target.startsWith('DynamoDBStreams_20120810.')) return streamsApiHandler(request);
      if (target.startsWith('DynamoDB_20120810.')) return dynamoDbApi(request);
      return forward(request); // no DynamoDB target: dynalite says what is wrong with it
    };
  }
}
