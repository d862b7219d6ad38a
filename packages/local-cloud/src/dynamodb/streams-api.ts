/**
 * The DynamoDB Streams API (`DynamoDBStreams_20120810.*`, AWS JSON 1.0, signed
 * with service `dynamodb`) over the records of streams.ts, answering as AWS
 * does, its error types included (`ResourceNotFoundException`,
 * `ExpiredIteratorException`, `TrimmedDataAccessException`, `ValidationException`).
 */
import type { DescribeStreamInput, GetRecordsInput, GetShardIteratorInput, ListStreamsInput } from '@aws-sdk/client-dynamodb-streams';
import { randomUUID } from 'node:crypto';
import { AwsError } from '../protocol/errors';
import type { EdgeHandler } from '../types';
import { jsonProtocol } from '../protocol/json';
import type { Wire } from '../protocol/operations';
import { SERVICE_NS, serializationError, VALIDATE_NS } from './errors';
import { formatSequence, type DynamoDbStreams, type Stream } from './streams';

const ITERATOR_TTL_MS = 15 * 60_000;

/** A shard iterator's position, carried (base64url JSON) in the opaque iterator string. */
interface Iterator {
  readonly arn: string;
  readonly shardId: string;
  /** Sequence number after which reading continues ('' for the trim horizon). */
  readonly after: string;
  readonly issuedAt: number;
}

/** The edge handler of the Streams API over `store`. */
export function streamsApi(store: DynamoDbStreams, internalError: (error: unknown) => AwsError): EdgeHandler {
  return jsonProtocol({
    version: '1.0',
    targetPrefix: 'DynamoDBStreams_20120810',
    namespace: 'com.amazonaws.dynamodb.v20120810',
    operations: {
      ListStreams: (input: Wire<ListStreamsInput>) => listStreams(store, input),
      DescribeStream: (input: Wire<DescribeStreamInput>) => describeStream(store, input),
      GetShardIterator: (input: Wire<GetShardIteratorInput>) => getShardIterator(store, input),
      GetRecords: (input: Wire<GetRecordsInput>) => getRecords(store, input),
    },
    unknownOperation: () => new AwsError('UnknownOperationException', '', 400, { namespace: SERVICE_NS, messageKey: null }),
    malformedBody: serializationError,
    internalError,
    answerHeaders: () => ({ 'x-amzn-requestid': randomUUID() }),
  });
}

function listStreams(store: DynamoDbStreams, input: Wire<ListStreamsInput>) {
  const limit = clampLimit(input.Limit, 100);
  let streams = store.all().filter((s) => input.TableName === undefined || s.tableName === input.TableName);
  streams.sort((a, b) => (a.arn < b.arn ? -1 : a.arn > b.arn ? 1 : 0));
  const after = input.ExclusiveStartStreamArn;
  if (after) streams = streams.filter((s) => s.arn > after);
  const page = streams.slice(0, limit);
  return {
    Streams: page.map((s) => ({ StreamArn: s.arn, TableName: s.tableName, StreamLabel: s.label })),
    ...(streams.length > limit ? { LastEvaluatedStreamArn: page.at(-1)!.arn } : {}),
  };
}

async function describeStream(store: DynamoDbStreams, input: Wire<DescribeStreamInput>) {
  const stream = streamByArn(store, input.StreamArn);
  const keySchema = (await store.keySchemaOf?.(stream.tableName).catch(() => undefined)) ?? [];
  const shards = input.ExclusiveStartShardId === stream.shard.shardId ? [] : store.shardsOf(stream.arn)!;
  return {
    StreamDescription: {
      StreamArn: stream.arn,
      StreamLabel: stream.label,
      StreamStatus: stream.enabled ? 'ENABLED' : 'DISABLED',
      StreamViewType: stream.viewType,
      CreationRequestDateTime: stream.createdAt / 1000,
      TableName: stream.tableName,
      KeySchema: keySchema,
      Shards: shards.map((s) => ({
        ShardId: s.shardId,
        SequenceNumberRange: {
          StartingSequenceNumber: s.startingSequenceNumber,
          ...(s.endingSequenceNumber ? { EndingSequenceNumber: s.endingSequenceNumber } : {}),
        },
      })),
    },
  };
}

function getShardIterator(store: DynamoDbStreams, input: Wire<GetShardIteratorInput>) {
  const stream = streamByArn(store, input.StreamArn);
  if (typeof input.ShardId !== 'string' || input.ShardId !== stream.shard.shardId) {
    throw streamsError('ResourceNotFoundException', `Requested resource not found: Shard does not exist`);
  }
  const shard = stream.shard;
  store.trim(shard);
  const type = input.ShardIteratorType;
  let after: bigint | undefined;
  switch (type) {
    case 'TRIM_HORIZON':
      after = shard.trimmedThrough;
      break;
    case 'LATEST':
      after = BigInt(store.latestSequenceNumber(stream.arn, shard.shardId) ?? formatSequence(store.sequence));
      break;
    case 'AT_SEQUENCE_NUMBER':
    case 'AFTER_SEQUENCE_NUMBER': {
      const given = input.SequenceNumber;
      if (typeof given !== 'string' || !/^\d{1,40}$/.test(given)) {
        throw streamsError('ValidationException', `Invalid SequenceNumber for ${type}: ${String(given)}`, VALIDATE_NS);
      }
      const seq = BigInt(given);
      if (shard.trimmedThrough !== undefined && seq <= shard.trimmedThrough) {
        throw streamsError('TrimmedDataAccessException', `Sequence number ${given} is beyond the trim horizon of the shard`);
      }
      after = type === 'AT_SEQUENCE_NUMBER' ? seq - 1n : seq;
      break;
    }
    default:
      throw streamsError(
        'ValidationException',
        `1 validation error detected: Value '${String(type)}' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, LATEST, AT_SEQUENCE_NUMBER, TRIM_HORIZON]`,
        VALIDATE_NS,
      );
  }
  const iterator: Iterator = {
    arn: stream.arn,
    shardId: shard.shardId,
    after: after === undefined ? '' : after.toString(),
    issuedAt: Date.now(),
  };
  return { ShardIterator: encodeIterator(iterator) };
}

function getRecords(store: DynamoDbStreams, input: Wire<GetRecordsInput>) {
  const iterator = decodeIterator(input.ShardIterator);
  if (!iterator) throw streamsError('ValidationException', 'Invalid ShardIterator', VALIDATE_NS);
  if (Date.now() - iterator.issuedAt > ITERATOR_TTL_MS) throw streamsError('ExpiredIteratorException', 'Iterator expired');
  const shard = store.shard(iterator.arn, iterator.shardId);
  if (!shard) throw streamsError('ResourceNotFoundException', `Requested resource not found: Stream: ${iterator.arn} not found`);
  store.trim(shard);
  if (iterator.after !== '' && shard.trimmedThrough !== undefined && BigInt(iterator.after) < shard.trimmedThrough) {
    throw streamsError('TrimmedDataAccessException', 'The records at the iterator position are beyond the trim horizon');
  }
  const limit = clampLimit(input.Limit, 1000);
  const { records, closed } = store.readRecords(iterator.arn, iterator.shardId, iterator.after || undefined, limit);
  const last = records.at(-1)?.dynamodb.SequenceNumber ?? (iterator.after || undefined);
  const next: Iterator = { ...iterator, after: last ?? '', issuedAt: Date.now() };
  // The Streams API spells a record's identity `{ PrincipalId, Type }` (a Lambda event: `{ principalId, type }`).
  const wire = records.map(({ userIdentity, ...record }) =>
    userIdentity ? { ...record, userIdentity: { PrincipalId: userIdentity.principalId, Type: userIdentity.type } } : record,
  );
  return { Records: wire, ...(closed ? {} : { NextShardIterator: encodeIterator(next) }) };
}

function clampLimit(value: unknown, max: number): number {
  const n = typeof value === 'number' && Number.isFinite(value) ? Math.floor(value) : max;
  return Math.min(max, Math.max(1, n));
}

function encodeIterator(iterator: Iterator): string {
  return Buffer.from(JSON.stringify(iterator), 'utf8').toString('base64url');
}

function decodeIterator(value: unknown): Iterator | undefined {
  if (typeof value !== 'string' || value.length === 0) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    if (typeof parsed?.arn !== 'string' || typeof parsed.shardId !== 'string' || typeof parsed.after !== 'string') return undefined;
    if (typeof parsed.issuedAt !== 'number') return undefined;
    return parsed as Iterator;
  } catch {
    return undefined;
  }
}

/** Index of the first record whose sequence number is greater than `after` (binary search). */

function streamByArn(store: DynamoDbStreams, arn: unknown): Stream {
  const stream = store.stream(arn);
  if (!stream) throw streamsError('ResourceNotFoundException', `Requested resource not found: Stream: ${String(arn)} not found`);
  return stream;
}

function streamsError(code: string, message: string, namespace?: string): AwsError {
  return new AwsError(code, message, 400, { namespace });
}
