/**
 * The local EventBridge's model: the events it delivers, what its API and the
 * CLI report about rules and schedules, and the buses, rules and targets read
 * from the template.
 */
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { Wire } from '../protocol/operations';
import type { CompiledEventPattern } from './pattern';

/** An event as EventBridge delivers it to targets. */
export interface EventBridgeEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: Readonly<Record<string, unknown>>;
}

/** An event accepted on a bus, with the rules it matched (for tests and the CLI). */
export interface PublishedEvent {
  readonly eventBusName: string;
  readonly event: EventBridgeEvent;
  readonly matchedRules: readonly string[];
}

/** One `PutEvents` entry, as the SDK sends it (`Time` arrives as epoch seconds). */
export type PutEventsEntry = Wire<PutEventsRequestEntry>;

/** Per entry, in request order: the new event's id, or why this entry alone was refused. */
export type PutEventsResultEntry = { readonly EventId: string } | { readonly ErrorCode: string; readonly ErrorMessage: string };

/** `PutEvents`' answer: `FailedEntryCount` counts the entries that carry an `ErrorCode`. */
export interface PutEventsResult {
  readonly FailedEntryCount: number;
  readonly Entries: readonly PutEventsResultEntry[];
}

/** A rule as `ListRules` / `DescribeRule` describe it. */
export interface RuleDescription {
  readonly Name: string;
  readonly Arn: string;
  readonly EventBusName: string;
  readonly State: string;
  readonly EventPattern?: string;
  readonly ScheduleExpression?: string;
  readonly Description?: string;
}

/** A rule with a `ScheduleExpression`, as the local cloud lists it for firing. */
export interface ScheduleRule {
  readonly name: string;
  readonly logicalId: string;
  readonly arn: string;
  readonly eventBusName: string;
  readonly state: string;
  readonly scheduleExpression: string;
  readonly description?: string;
  readonly targets: ReadonlyArray<{ readonly id: string; readonly arn: string }>;
}

/**
 * What the first attempt to hand a fired event to one target came to. A Lambda
 * target is invoked asynchronously, as on AWS: `delivered` means the invocation
 * was accepted, not that the function succeeded (its logs and REPORT line say that).
 * - `delivered`: Lambda accepted the invocation, SQS took the message, or a bus the event;
 * - `not-emulated`: the local cloud does not deliver to this kind of target; dropped for it;
 * - `retrying`: the attempt failed; retried in the background within the target's
 *   RetryPolicy, then sent to its dead-letter queue;
 * - `failed`: the attempt failed in a way EventBridge does not retry (no such
 *   function or queue, no permission); sent to its dead-letter queue if it has one.
 */
export interface TargetAttempt {
  readonly id: string;
  readonly arn: string;
  readonly outcome: 'delivered' | 'not-emulated' | 'retrying' | 'failed';
  /** `<error name>: <message>` of a failed attempt. */
  readonly error?: string;
}

/** A schedule rule fired on request: the event and what each target's first attempt came to. */
export interface FiredSchedule {
  readonly rule: ScheduleRule;
  readonly event: EventBridgeEvent;
  /** In the rule's target order. */
  readonly targets: readonly TargetAttempt[];
}

export interface Target {
  readonly id: string;
  readonly arn: string;
  readonly input?: string;
  readonly inputPath?: string;
  readonly inputTransformer?: { readonly InputPathsMap?: Record<string, string>; readonly InputTemplate: string };
  /** EventBridge's defaults: 185 retries within 24 hours. */
  readonly maxRetryAttempts: number;
  readonly maxEventAgeMs: number;
  readonly deadLetterArn?: string;
  /** The target as the template gave it, for ListTargetsByRule. */
  readonly raw: Readonly<Record<string, unknown>>;
}

export interface Rule {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly busName: string;
  readonly state: string;
  readonly description?: string;
  readonly pattern?: CompiledEventPattern;
  readonly scheduleExpression?: string;
  readonly targets: readonly Target[];
}

export interface Bus {
  readonly name: string;
  readonly arn: string;
}
