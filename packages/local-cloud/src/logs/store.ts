/**
 * CloudWatch Logs in memory: log groups, their streams and events. Memory is bounded:
 * a stream keeps its last MAX_EVENTS_PER_STREAM events, a group its last
 * MAX_STREAMS_PER_GROUP streams (by last event). Every event gets a store-wide
 * sequence number; its `eventId` is that number, 56 digits, as AWS's are.
 */
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../types';

export const MAX_EVENTS_PER_STREAM = 10_000;
export const MAX_STREAMS_PER_GROUP = 500;

export interface LogEvent {
  readonly seq: number;
  readonly timestamp: number;
  readonly ingestionTime: number;
  readonly message: string;
}

export interface LogStream {
  readonly name: string;
  readonly creationTime: number;
  firstEventTimestamp: number | undefined;
  lastEventTimestamp: number | undefined;
  lastIngestionTime: number | undefined;
  storedBytes: number;
  readonly events: LogEvent[];
}

export interface LogGroup {
  readonly name: string;
  readonly creationTime: number;
  retentionInDays: number | undefined;
  readonly streams: Map<string, LogStream>;
}

export function groupArn(name: string): string {
  return `arn:aws:logs:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:log-group:${name}`;
}

export function eventId(seq: number): string {
  return String(seq).padStart(56, '0');
}

export class LogStore {
  private readonly groups = new Map<string, LogGroup>();
  private seq = 0;

  /** The group, created if absent (as Lambda creates its function's group on first write). */
  ensureGroup(name: string, retentionInDays?: number): LogGroup {
    let group = this.groups.get(name);
    if (!group) {
      group = { name, creationTime: Date.now(), retentionInDays, streams: new Map() };
      this.groups.set(name, group);
    }
    return group;
  }

  group(name: string): LogGroup | undefined {
    return this.groups.get(name);
  }

  allGroups(): LogGroup[] {
    return [...this.groups.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  deleteGroup(name: string): boolean {
    return this.groups.delete(name);
  }

  ensureStream(group: LogGroup, name: string): LogStream {
    let stream = group.streams.get(name);
    if (!stream) {
      stream = {
        name,
        creationTime: Date.now(),
        firstEventTimestamp: undefined,
        lastEventTimestamp: undefined,
        lastIngestionTime: undefined,
        storedBytes: 0,
        events: [],
      };
      group.streams.set(name, stream);
      if (group.streams.size > MAX_STREAMS_PER_GROUP) this.dropOldestStream(group);
    }
    return stream;
  }

  /** Appends one event (its timestamp as given, ingestion now). */
  append(groupName: string, streamName: string, timestamp: number, message: string): LogEvent {
    const stream = this.ensureStream(this.ensureGroup(groupName), streamName);
    const event: LogEvent = { seq: ++this.seq, timestamp, ingestionTime: Date.now(), message };
    stream.events.push(event);
    if (stream.events.length > MAX_EVENTS_PER_STREAM) stream.events.splice(0, stream.events.length - MAX_EVENTS_PER_STREAM);
    stream.firstEventTimestamp = Math.min(stream.firstEventTimestamp ?? timestamp, timestamp);
    stream.lastEventTimestamp = Math.max(stream.lastEventTimestamp ?? timestamp, timestamp);
    stream.lastIngestionTime = event.ingestionTime;
    stream.storedBytes += Buffer.byteLength(message);
    return event;
  }

  private dropOldestStream(group: LogGroup): void {
    let oldest: LogStream | undefined;
    for (const stream of group.streams.values()) {
      if (!oldest || (stream.lastIngestionTime ?? stream.creationTime) < (oldest.lastIngestionTime ?? oldest.creationTime)) oldest = stream;
    }
    if (oldest) group.streams.delete(oldest.name);
  }
}
