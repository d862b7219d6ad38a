/**
 * The CloudWatch Logs API as AWS JSON 1.1 carries it (`Logs_20140328.<Operation>`):
 * log groups and streams, GetLogEvents (forward and backward tokens, the latest events
 * unless `startFromHead`), FilterLogEvents (filter patterns, time range, stream names
 * or prefix, paging tokens: what `aws logs tail --follow` uses), and the writes a
 * handler or script may make (CreateLogGroup, CreateLogStream, PutLogEvents).
 */
import type {
  CreateLogGroupRequest,
  CreateLogStreamRequest,
  DeleteLogGroupRequest,
  DescribeLogGroupsRequest,
  DescribeLogStreamsRequest,
  FilterLogEventsRequest,
  GetLogEventsRequest,
  PutLogEventsRequest,
  PutRetentionPolicyRequest,
} from '@aws-sdk/client-cloudwatch-logs';
import { AwsError } from '../protocol/errors';
import type { OperationTable, Wire } from '../protocol/operations';
import { compileFilterPattern } from './filter-pattern';
import { eventId, groupArn, type LogEvent, type LogGroup, type LogStore, type LogStream } from './store';

const invalid = (message: string) => new AwsError('InvalidParameterException', message);

function limitOf(value: unknown, max: number, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw invalid(
      `1 validation error detected: Value '${String(value)}' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1`,
    );
  }
  if (n > max) {
    throw invalid(
      `1 validation error detected: Value '${n}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to ${max}`,
    );
  }
  return n;
}

function encodeToken(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function decodeToken<T>(token: string | undefined, check: (value: any) => boolean): T | undefined {
  if (!token) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (check(value)) return value as T;
  } catch {
    // fall through
  }
  throw invalid('The specified nextToken is invalid.');
}

/** The group a request names by `logGroupName` or `logGroupIdentifier` (a name or an ARN). */
function groupNameOf(input: { logGroupName?: string; logGroupIdentifier?: string }): string {
  if (input.logGroupName && input.logGroupIdentifier) {
    throw invalid('LogGroup name and LogGroup ARN are mutually exclusive parameters.');
  }
  const id = input.logGroupIdentifier ?? input.logGroupName;
  if (!id) throw invalid('Either logGroupName or logGroupIdentifier must be specified.');
  const arn = /^arn:aws[^:]*:logs:[^:]*:\d{12}:log-group:(.+?)(?::\*)?$/.exec(id);
  return arn ? arn[1]! : id;
}

function streamOut(group: LogGroup, stream: LogStream) {
  return {
    logStreamName: stream.name,
    creationTime: stream.creationTime,
    ...(stream.firstEventTimestamp !== undefined ? { firstEventTimestamp: stream.firstEventTimestamp } : {}),
    ...(stream.lastEventTimestamp !== undefined ? { lastEventTimestamp: stream.lastEventTimestamp } : {}),
    ...(stream.lastIngestionTime !== undefined ? { lastIngestionTime: stream.lastIngestionTime } : {}),
    arn: `${groupArn(group.name)}:log-stream:${stream.name}`,
    storedBytes: 0,
  };
}

export function logsOperations(store: LogStore): OperationTable {
  const groupOf = (input: { logGroupName?: string; logGroupIdentifier?: string }): LogGroup => {
    const group = store.group(groupNameOf(input));
    if (!group) throw new AwsError('ResourceNotFoundException', 'The specified log group does not exist.');
    return group;
  };

  const describeLogGroups = (input: Wire<DescribeLogGroupsRequest>) => {
    if (input.logGroupNamePrefix && input.logGroupNamePattern) {
      throw invalid('LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.');
    }
    const limit = limitOf(input.limit, 50, 50);
    const after = decodeToken<{ after: string }>(input.nextToken, (v) => typeof v?.after === 'string');
    const prefix = input.logGroupNamePrefix ?? '';
    const pattern = input.logGroupNamePattern?.toLowerCase();
    const matching = store
      .allGroups()
      .filter((g) => g.name.startsWith(prefix) && (!pattern || g.name.toLowerCase().includes(pattern)))
      .filter((g) => !after || g.name > after.after);
    const page = matching.slice(0, limit);
    return {
      logGroups: page.map((g) => ({
        logGroupName: g.name,
        creationTime: g.creationTime,
        ...(g.retentionInDays !== undefined ? { retentionInDays: g.retentionInDays } : {}),
        metricFilterCount: 0,
        arn: `${groupArn(g.name)}:*`,
        logGroupArn: groupArn(g.name),
        storedBytes: 0,
        logGroupClass: 'STANDARD',
      })),
      ...(matching.length > limit ? { nextToken: encodeToken({ after: page.at(-1)!.name }) } : {}),
    };
  };

  const describeLogStreams = (input: Wire<DescribeLogStreamsRequest>) => {
    const group = groupOf(input);
    const orderBy = input.orderBy ?? 'LogStreamName';
    if (orderBy !== 'LogStreamName' && orderBy !== 'LastEventTime') {
      throw invalid(
        `1 validation error detected: Value '${orderBy}' at 'orderBy' failed to satisfy constraint: Member must satisfy enum value set: [LogStreamName, LastEventTime]`,
      );
    }
    if (orderBy === 'LastEventTime' && input.logStreamNamePrefix)
      throw invalid('Cannot order by LastEventTime with a logStreamNamePrefix.');
    const limit = limitOf(input.limit, 50, 50);
    const offset = decodeToken<{ offset: number }>(input.nextToken, (v) => Number.isInteger(v?.offset))?.offset ?? 0;
    const prefix = input.logStreamNamePrefix ?? '';
    const streams = [...group.streams.values()].filter((s) => s.name.startsWith(prefix));
    const key = (s: LogStream) => (orderBy === 'LogStreamName' ? s.name : (s.lastEventTimestamp ?? 0));
    streams.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    if (input.descending) streams.reverse();
    const page = streams.slice(offset, offset + limit);
    return {
      logStreams: page.map((s) => streamOut(group, s)),
      ...(offset + limit < streams.length ? { nextToken: encodeToken({ offset: offset + limit }) } : {}),
    };
  };

  const getLogEvents = (input: Wire<GetLogEventsRequest>) => {
    const group = groupOf(input);
    if (!input.logStreamName)
      throw invalid("1 validation error detected: Value null at 'logStreamName' failed to satisfy constraint: Member must not be null");
    const stream = group.streams.get(input.logStreamName);
    if (!stream) throw new AwsError('ResourceNotFoundException', 'The specified log stream does not exist.');
    const limit = limitOf(input.limit, 10_000, 10_000);
    const start = input.startTime === undefined ? -Infinity : Number(input.startTime);
    const end = input.endTime === undefined ? Infinity : Number(input.endTime);
    const inRange = stream.events.filter((e) => e.timestamp >= start && e.timestamp < end);
    const token = input.nextToken;
    let page: LogEvent[];
    if (token) {
      const m = /^([fb])\/(\d+)$/.exec(token);
      if (!m) throw invalid('The specified nextToken is invalid.');
      const seq = Number(m[2]);
      if (m[1] === 'f') page = inRange.filter((e) => e.seq > seq).slice(0, limit);
      else page = inRange.filter((e) => e.seq < seq).slice(-limit);
    } else {
      page = input.startFromHead ? inRange.slice(0, limit) : inRange.slice(-limit);
    }
    // At either end, the token handed back is the one given (how a caller knows it reached the end).
    const forward = page.length
      ? `f/${eventId(page.at(-1)!.seq)}`
      : token?.startsWith('f/')
        ? token
        : `f/${eventId(inRange.at(-1)?.seq ?? 0)}`;
    const backward = page.length ? `b/${eventId(page[0]!.seq)}` : token?.startsWith('b/') ? token : `b/${eventId(inRange[0]?.seq ?? 0)}`;
    return {
      events: page.map((e) => ({ timestamp: e.timestamp, message: e.message, ingestionTime: e.ingestionTime })),
      nextForwardToken: forward,
      nextBackwardToken: backward,
    };
  };

  const filterLogEvents = (input: Wire<FilterLogEventsRequest>) => {
    const group = groupOf(input);
    if (input.logStreamNames && input.logStreamNamePrefix) {
      throw invalid('Cannot specify both logStreamNames and logStreamNamePrefix.');
    }
    const limit = limitOf(input.limit, 10_000, 10_000);
    const matcher = compileFilterPattern(input.filterPattern);
    const start = input.startTime === undefined ? -Infinity : Number(input.startTime);
    const end = input.endTime === undefined ? Infinity : Number(input.endTime);
    const after = decodeToken<{ t: number; s: number }>(input.nextToken, (v) => typeof v?.t === 'number' && typeof v?.s === 'number');
    const names = input.logStreamNames;
    const streams = [...group.streams.values()].filter((s) =>
      names ? names.includes(s.name) : s.name.startsWith(input.logStreamNamePrefix ?? ''),
    );
    const found: { stream: LogStream; event: LogEvent }[] = [];
    for (const stream of streams) {
      for (const event of stream.events) {
        if (event.timestamp < start || event.timestamp > end) continue;
        if (after && (event.timestamp < after.t || (event.timestamp === after.t && event.seq <= after.s))) continue;
        if (matcher(event.message)) found.push({ stream, event });
      }
    }
    found.sort((a, b) => a.event.timestamp - b.event.timestamp || a.event.seq - b.event.seq);
    const page = found.slice(0, limit);
    const last = page.at(-1)?.event;
    return {
      events: page.map(({ stream, event }) => ({
        logStreamName: stream.name,
        timestamp: event.timestamp,
        message: event.message,
        ingestionTime: event.ingestionTime,
        eventId: eventId(event.seq),
      })),
      searchedLogStreams: [],
      ...(found.length > limit && last ? { nextToken: encodeToken({ t: last.timestamp, s: last.seq }) } : {}),
    };
  };

  const createLogGroup = (input: Wire<CreateLogGroupRequest>) => {
    if (!input.logGroupName || !/^[\w\-./#]{1,512}$/.test(input.logGroupName)) throw invalid('Invalid log group name.');
    if (store.group(input.logGroupName)) throw new AwsError('ResourceAlreadyExistsException', 'The specified log group already exists');
    store.ensureGroup(input.logGroupName);
    return {};
  };

  const createLogStream = (input: Wire<CreateLogStreamRequest>) => {
    const group = groupOf(input);
    if (!input.logStreamName || /[:*]/.test(input.logStreamName)) throw invalid('Invalid log stream name.');
    if (group.streams.has(input.logStreamName))
      throw new AwsError('ResourceAlreadyExistsException', 'The specified log stream already exists');
    store.ensureStream(group, input.logStreamName);
    return {};
  };

  const putLogEvents = (input: Wire<PutLogEventsRequest>) => {
    const group = groupOf(input);
    const stream = input.logStreamName ? group.streams.get(input.logStreamName) : undefined;
    if (!stream) throw new AwsError('ResourceNotFoundException', 'The specified log stream does not exist.');
    const events = input.logEvents ?? [];
    if (events.length < 1 || events.length > 10_000) throw invalid('A batch of log events must have between 1 and 10000 events.');
    for (const e of events) store.append(group.name, stream.name, Number(e.timestamp), String(e.message ?? ''));
    return {};
  };

  const putRetentionPolicy = (input: Wire<PutRetentionPolicyRequest>) => {
    groupOf(input).retentionInDays = Number(input.retentionInDays);
    return {};
  };

  const deleteLogGroup = (input: Wire<DeleteLogGroupRequest>) => {
    if (!store.deleteGroup(groupNameOf(input))) throw new AwsError('ResourceNotFoundException', 'The specified log group does not exist.');
    return {};
  };

  return {
    DescribeLogGroups: describeLogGroups,
    DescribeLogStreams: describeLogStreams,
    GetLogEvents: getLogEvents,
    FilterLogEvents: filterLogEvents,
    CreateLogGroup: createLogGroup,
    CreateLogStream: createLogStream,
    PutLogEvents: putLogEvents,
    PutRetentionPolicy: putRetentionPolicy,
    DeleteLogGroup: deleteLogGroup,
  };
}
