/**
 * EventBridge for the local cloud: the stack's buses and rules (rules.ts),
 * `PutEvents` with AWS's per-entry validation (events.ts), rule matching with
 * the full pattern language (pattern.ts), delivery to Lambda and SQS targets
 * with the target's input shaping, RetryPolicy and DeadLetterConfig
 * (delivery.ts, targets.ts), schedule rules fired when asked (the edge's
 * `/_local/schedules`, see schedules.ts), and the API calls of operations.ts,
 * spoken in AWS JSON 1.1 (`X-Amz-Target: AWSEvents.<Operation>`) at the edge.
 */
import { AwsError } from '../protocol/errors';
import { jsonProtocol } from '../protocol/json';
import type { EdgeHandler, LambdaInvoker, LocalStack, QueueSink, Stoppable } from '../types';
import { Delivery } from './delivery';
import { putEvents, scheduledEvent, testEventPattern, type EventSink } from './events';
import type {
  EventBridgeEvent,
  FiredSchedule,
  PublishedEvent,
  PutEventsEntry,
  PutEventsResult,
  Rule,
  RuleDescription,
  ScheduleRule,
  TargetAttempt,
} from './model';
import { eventBridgeOperations } from './operations';
import { InvalidEventPatternError } from './pattern';
import { describe, RuleBook, scheduleOf } from './rules';

export type * from './model';

export interface EventBridgeServiceOptions {
  /** The stack whose `AWS::Events::EventBus` and `AWS::Events::Rule` resources are served. */
  readonly stack: LocalStack;
  /** Runs Lambda targets (asynchronous invocation: its own retries and DLQ are the invoker's job). */
  readonly lambda: LambdaInvoker;
  /** Receives SQS targets' messages and dead letters. */
  readonly queues: QueueSink;
  /**
   * First delay before retrying a failed delivery; each retry waits twice as long, up to
   * `maxRetryDelayMs`. EventBridge backs off over minutes; locally the default is 1 s
   * (cap 30 s) so failures reach the dead-letter queue while you watch.
   */
  readonly retryBaseDelayMs?: number;
  readonly maxRetryDelayMs?: number;
  /** Where delivery problems are reported (one line each); default: stdout. */
  readonly log?: (line: string) => void;
}

/**
 * The local EventBridge. Guarantees:
 * - `PutEvents` validates each entry as AWS does; a bad entry fails alone with
 *   its `ErrorCode` / `ErrorMessage` and is counted in `FailedEntryCount`, the
 *   others are accepted; request-level limits (1–10 entries, 256 KB in total)
 *   reject the whole call with a `ValidationException`;
 * - an accepted event is matched against every ENABLED rule of its bus and
 *   handed to each target of each matching rule, shaped by the target's
 *   `Input`, `InputPath` or `InputTransformer`;
 * - a delivery that fails is retried with exponential backoff within the
 *   target's RetryPolicy (a missing target or a permission error is not
 *   retried, as on AWS), then sent to the target's DeadLetterConfig queue with
 *   AWS's attributes (ERROR_CODE, ERROR_MESSAGE, RULE_ARN, TARGET_ARN,
 *   RETRY_ATTEMPTS, EXHAUSTED_RETRY_CONDITION);
 * - `idle()` resolves once every delivery, retry and dead letter has settled
 *   (a Lambda target counts as delivered once its asynchronous invocation is
 *   accepted: wait for the runtime's own idle for the function to finish);
 * - a rule whose template pattern is invalid makes the constructor throw,
 *   naming the rule, as the deployment would fail on AWS.
 *
 * Schedule rules do not run on a timer: `fireSchedule` / `fireScheduleAndReport`
 * fire one when asked (from a test, or from a developer through the edge's
 * `POST /_local/schedules/<rule>/fire`, i.e. `npm run local -- fire <rule>`).
 */
export class EventBridgeService implements Stoppable {
  /** Serves the `events` service at the edge (AWS JSON 1.1). */
  readonly handler: EdgeHandler;

  private readonly rules: RuleBook;
  private readonly delivery: Delivery;
  private readonly sink: EventSink;
  private readonly published: PublishedEvent[] = [];
  private readonly listeners = new Set<(published: PublishedEvent) => void>();
  private readonly log: (line: string) => void;

  constructor(private readonly options: EventBridgeServiceOptions) {
    this.log = options.log ?? ((line) => process.stdout.write(`${line}\n`));
    this.rules = new RuleBook(options.stack);
    const publish = (busName: string, event: EventBridgeEvent) => {
      const matched = this.rules.matching(busName, event);
      this.record({ eventBusName: busName, event, matchedRules: matched.map((r) => r.name) });
      for (const rule of matched) this.delivery.route(rule, event);
    };
    this.delivery = new Delivery({ ...options, rules: this.rules, publish, log: this.log });
    this.sink = { stack: options.stack, hasBus: (name) => this.rules.hasBus(name), publish };
    this.handler = jsonProtocol({
      version: '1.1',
      targetPrefix: 'AWSEvents',
      operations: eventBridgeOperations(this.rules, this.sink),
      unknownOperation: (operation) =>
        new AwsError('UnknownOperationException', `The local cloud's EventBridge does not support ${operation}.`),
      internalError: (error) =>
        error instanceof InvalidEventPatternError
          ? new AwsError(error.name, error.message)
          : new AwsError('InternalException', `local EventBridge: ${String(error)}`, 500),
    });
  }

  /** `PutEvents`: validates, records and routes each entry; see the class guarantees. */
  putEvents(entries: readonly PutEventsEntry[]): PutEventsResult {
    return putEvents(entries, this.sink);
  }

  /** `TestEventPattern`: whether `event` (JSON with AWS's mandatory fields) matches `pattern`. */
  testEventPattern(pattern: string, event: string): boolean {
    return testEventPattern(pattern, event);
  }

  /**
   * Fires a schedule rule now (by name, logical id or ARN), as its schedule
   * would: an `aws.events` / `Scheduled Event` event delivered to that rule's
   * targets only, whatever the rule's state. Returns the event.
   */
  fireSchedule(ruleRef: string): EventBridgeEvent {
    return this.fire(this.rules.scheduleRule(ruleRef));
  }

  /**
   * Fires a schedule rule as `fireSchedule` does and resolves once each of its
   * targets has had its first delivery attempt, with what that attempt came
   * to (see `TargetAttempt`). Retries go on in the background, as for any event.
   */
  async fireScheduleAndReport(ruleRef: string): Promise<FiredSchedule> {
    const rule = this.rules.scheduleRule(ruleRef);
    const attempts: Array<Promise<TargetAttempt>> = [];
    const event = this.fire(rule, attempts);
    return { rule: scheduleOf(rule), event, targets: await Promise.all(attempts) };
  }

  /** Every rule with a ScheduleExpression, on every bus, whatever its state. */
  scheduleRules(): ScheduleRule[] {
    return this.rules
      .allRules()
      .filter((r) => r.scheduleExpression !== undefined)
      .map(scheduleOf);
  }

  /** Every event accepted so far (PutEvents and fired schedules), oldest first. */
  events(): readonly PublishedEvent[] {
    return [...this.published];
  }

  /** Calls `listener` for each event accepted from now on; returns the unsubscribe function. */
  onEvent(listener: (published: PublishedEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Rules of a bus (default: every bus), as ListRules describes them. */
  listRules(eventBusName?: string): RuleDescription[] {
    const rules = eventBusName === undefined ? this.rules.allRules() : this.rules.busRules(eventBusName);
    return rules.map(describe);
  }

  /** Resolves when no delivery is running, waiting to retry, or being dead-lettered. */
  idle(): Promise<void> {
    return this.delivery.idle();
  }

  /** Cancels pending retries (those events are dropped) and waits for deliveries in progress. */
  stop(): Promise<void> {
    return this.delivery.stop();
  }

  /** Records and routes the rule's Scheduled Event; `attempts`, when given, receives each target's first attempt. */
  private fire(rule: Rule, attempts?: Array<Promise<TargetAttempt>>): EventBridgeEvent {
    const event = scheduledEvent(rule, this.options.stack);
    this.record({ eventBusName: rule.busName, event, matchedRules: [rule.name] });
    this.delivery.route(rule, event, attempts);
    return event;
  }

  private record(published: PublishedEvent): void {
    this.published.push(published);
    for (const listener of this.listeners) {
      try {
        listener(published);
      } catch (error) {
        this.log(`[events] an onEvent listener threw: ${String(error)}`);
      }
    }
  }
}
