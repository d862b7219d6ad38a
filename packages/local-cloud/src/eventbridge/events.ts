/**
 * Events as EventBridge makes them: `PutEvents` entries validated one by one
 * (a bad entry fails alone; request-level limits fail the call), the event a
 * schedule rule fires, and `TestEventPattern`.
 */
import { randomUUID } from 'node:crypto';
import type { LocalStack } from '../types';
import { validationError } from './errors';
import type { EventBridgeEvent, PutEventsEntry, PutEventsResult, PutEventsResultEntry, Rule } from './model';
import { compileEventPattern } from './pattern';
import { busNameOf, isRecord } from './rules';

/** Limits of PutEvents (AWS quotas that are not adjustable). */
const MAX_ENTRIES = 10;
const MAX_REQUEST_BYTES = 256 * 1024;
/** PutEvents counts the Time field as 14 bytes when present. */
const TIME_BYTES = 14;

/** Where accepted entries go: the stack's account and region, the buses that exist, and the bus they are put on. */
export interface EventSink {
  readonly stack: Pick<LocalStack, 'accountId' | 'region'>;
  hasBus(name: string): boolean;
  publish(busName: string, event: EventBridgeEvent): void;
}

/** `PutEvents`: validates each entry, hands each valid one to `sink.publish`. */
export function putEvents(entries: readonly PutEventsEntry[] | undefined, sink: EventSink): PutEventsResult {
  if (!Array.isArray(entries) || entries.length === 0 || entries.length > MAX_ENTRIES) {
    throw validationError(
      `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and ${MAX_ENTRIES}`,
    );
  }
  const total = entries.reduce((sum, entry) => sum + entrySize(entry), 0);
  if (total > MAX_REQUEST_BYTES) throw validationError('Total size of the entries in the request is over the limit.');
  const results = entries.map((entry) => putEntry(entry, sink));
  return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
}

function putEntry(entry: PutEventsEntry, sink: EventSink): PutEventsResultEntry {
  if (!isRecord(entry)) return invalidArgument('Entry', 'Entry must be an object.');
  for (const field of ['Source', 'DetailType', 'Detail'] as const) {
    const value: unknown = entry[field];
    if (value === undefined || value === null || value === '') return invalidArgument(field, `${field} is a required argument.`);
    if (typeof value !== 'string') return invalidArgument(field, `${field} must be a string.`);
  }
  let detail: unknown;
  try {
    detail = JSON.parse(entry.Detail!);
  } catch {
    detail = undefined;
  }
  if (!isRecord(detail)) return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  const resources: unknown = entry.Resources ?? [];
  if (!Array.isArray(resources) || !resources.every((r) => typeof r === 'string')) {
    return invalidArgument('Resources', 'Resources must be a list of strings.');
  }
  const time = entry.Time === undefined ? Date.now() : toEpochMs(entry.Time);
  if (time === undefined) return invalidArgument('Time', 'Time must be a timestamp.');
  const busName = busNameOf(entry.EventBusName);
  if (!sink.hasBus(busName)) return { ErrorCode: 'ResourceNotFoundException', ErrorMessage: `Event bus ${busName} does not exist.` };
  const event: EventBridgeEvent = {
    version: '0',
    id: randomUUID(),
    'detail-type': entry.DetailType!,
    source: entry.Source!,
    account: sink.stack.accountId,
    time: isoSeconds(time),
    region: sink.stack.region,
    resources: [...(resources as string[])],
    detail,
  };
  sink.publish(busName, event);
  return { EventId: event.id };
}

/** The `aws.events` / `Scheduled Event` event a schedule rule's targets get. */
export function scheduledEvent(rule: Rule, stack: Pick<LocalStack, 'accountId' | 'region'>): EventBridgeEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: stack.accountId,
    time: isoSeconds(Date.now()),
    region: stack.region,
    resources: [rule.arn],
    detail: {},
  };
}

/**
 * Fields `TestEventPattern` requires of the event. The API reference also lists
 * `resources`, but EventBridge accepts an event without it (LocalStack verified
 * this against AWS), so the local cloud does too.
 */
const TEST_EVENT_FIELDS = ['id', 'account', 'source', 'time', 'region', 'detail-type'];

/**
 * `TestEventPattern`: whether `event` matches `pattern`. An invalid pattern is
 * `InvalidEventPatternException`; an event that is not a JSON object with the
 * required fields is `ValidationException` "Parameter Event is not valid.", as AWS words it.
 */
export function testEventPattern(pattern: string, event: string): boolean {
  const compiled = compileEventPattern(pattern);
  let parsed: unknown;
  try {
    parsed = JSON.parse(event);
  } catch {
    parsed = undefined;
  }
  if (!isRecord(parsed) || !TEST_EVENT_FIELDS.every((field) => field in parsed)) {
    throw validationError('Parameter Event is not valid.');
  }
  return compiled.matches(parsed);
}

function invalidArgument(parameter: string, reason: string): PutEventsResultEntry {
  return { ErrorCode: 'InvalidArgument', ErrorMessage: `Parameter ${parameter} is not valid. Reason: ${reason}` };
}

/**
 * Size of one entry as AWS counts it: 14 bytes for Time, plus the UTF-8 bytes of
 * Source, DetailType, Detail and each resource.
 */
function entrySize(entry: PutEventsEntry): number {
  if (!isRecord(entry)) return 0;
  const bytes = (value: unknown) => (typeof value === 'string' ? Buffer.byteLength(value) : 0);
  let size = entry.Time === undefined ? 0 : TIME_BYTES;
  size += bytes(entry.Source) + bytes(entry.DetailType) + bytes(entry.Detail);
  if (Array.isArray(entry.Resources)) for (const resource of entry.Resources) size += bytes(resource);
  return size;
}

function toEpochMs(time: number | string | Date): number | undefined {
  const ms = time instanceof Date ? time.getTime() : typeof time === 'number' ? time * 1000 : Date.parse(time);
  return Number.isFinite(ms) ? ms : undefined;
}

/** ISO 8601 to the second, as EventBridge writes `time`. */
function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
