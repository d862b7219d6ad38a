/**
 * EventBridge for the local cloud: the stack's buses and rules, `PutEvents`
 * with AWS's per-entry validation, rule matching with the full pattern
 * language (pattern.ts), delivery to Lambda and SQS targets with the target's
 * input shaping, RetryPolicy and DeadLetterConfig, schedule rules fired when
 * asked (the edge's `/_local/schedules`, see schedules.ts), and the read-only
 * API calls the CLI and tests use. Speaks AWS JSON
 * 1.1 (`X-Amz-Target: AWSEvents.<Operation>`) at the edge.
 */
import { randomUUID } from 'node:crypto';
import type { EdgeHandler, EdgeRequest, EdgeResponse, LambdaInvoker, LocalStack, QueueSink, Stoppable } from '../types';
import { compileEventPattern, InvalidEventPatternError, type CompiledEventPattern } from './pattern';

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
export interface PutEventsEntry {
  readonly Source?: string;
  readonly DetailType?: string;
  readonly Detail?: string;
  readonly EventBusName?: string;
  readonly Resources?: readonly string[];
  readonly Time?: number | string | Date;
  readonly TraceHeader?: string;
}

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

/** An API error: `name` is the AWS error code the SDK turns into its exception class. */
export class EventBridgeError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

interface Target {
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

interface Rule {
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

interface Bus {
  readonly name: string;
  readonly arn: string;
}

/** Limits of PutEvents (AWS quotas that are not adjustable). */
const MAX_ENTRIES = 10;
const MAX_REQUEST_BYTES = 256 * 1024;
/** PutEvents counts the Time field as 14 bytes when present. */
const TIME_BYTES = 14;

/** Errors EventBridge does not retry: the target is gone or may not be called; they go straight to the DLQ. */
const NON_RETRIABLE: Readonly<Record<string, string>> = {
  ResourceNotFoundException: 'NO_RESOURCE',
  QueueDoesNotExist: 'NO_RESOURCE',
  AccessDeniedException: 'NO_PERMISSIONS',
};
const THROTTLING = new Set(['TooManyRequestsException', 'ThrottlingException', 'RequestThrottled']);

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
  readonly handler: EdgeHandler = (request) => this.handle(request);

  private readonly buses = new Map<string, Bus>();
  private readonly rulesByBus = new Map<string, Rule[]>();
  private readonly published: PublishedEvent[] = [];
  private readonly listeners = new Set<(published: PublishedEvent) => void>();
  private readonly sleepers = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();
  private readonly idleWaiters: Array<() => void> = [];
  private readonly log: (line: string) => void;
  private readonly warnedTargets = new Set<string>();
  private pending = 0;
  private stopped = false;

  constructor(private readonly options: EventBridgeServiceOptions) {
    this.log = options.log ?? ((line) => process.stdout.write(`${line}\n`));
    const { stack } = options;
    this.addBus('default', `arn:aws:events:${stack.region}:${stack.accountId}:event-bus/default`);
    for (const resource of stack.byType('AWS::Events::EventBus')) {
      const name = resource.attributes.Name ?? resource.physicalId;
      this.addBus(name, resource.attributes.Arn ?? `arn:aws:events:${stack.region}:${stack.accountId}:event-bus/${name}`);
    }
    for (const resource of stack.byType('AWS::Events::Rule')) {
      const rule = this.toRule(resource.logicalId, resource.properties, resource.attributes.Arn);
      if (!this.buses.has(rule.busName)) this.addBus(rule.busName, `arn:aws:events:${stack.region}:${stack.accountId}:event-bus/${rule.busName}`);
      this.rulesByBus.get(rule.busName)!.push(rule);
    }
  }

  // ---------------------------------------------------------------- API

  /** `PutEvents`: validates, records and routes each entry; see the class guarantees. */
  putEvents(entries: readonly PutEventsEntry[]): PutEventsResult {
    if (!Array.isArray(entries) || entries.length === 0 || entries.length > MAX_ENTRIES) {
      throw new EventBridgeError(
        'ValidationException',
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and ${MAX_ENTRIES}`,
      );
    }
    const total = entries.reduce((sum, entry) => sum + entrySize(entry), 0);
    if (total > MAX_REQUEST_BYTES) {
      throw new EventBridgeError('ValidationException', 'Total size of the entries in the request is over the limit.');
    }
    const results = entries.map((entry) => this.putEntry(entry));
    return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
  }

  /** `TestEventPattern`: whether `event` (JSON with AWS's mandatory fields) matches `pattern`. */
  testEventPattern(pattern: string, event: string): boolean {
    const compiled = compileEventPattern(pattern);
    let parsed: unknown;
    try {
      parsed = JSON.parse(event);
    } catch {
      throw new EventBridgeError('ValidationException', 'Parameter Event is not valid. Reason: the event is not valid JSON.');
    }
    if (!isRecord(parsed)) throw new EventBridgeError('ValidationException', 'Parameter Event is not valid. Reason: the event must be a JSON object.');
    for (const field of ['id', 'account', 'source', 'time', 'region', 'resources', 'detail-type']) {
      if (!(field in parsed)) throw new EventBridgeError('ValidationException', `Parameter Event is not valid. Reason: Provided Event is missing required field ${field}.`);
    }
    return compiled.matches(parsed);
  }

  /**
   * Fires a schedule rule now (by name, logical id or ARN), as its schedule
   * would: an `aws.events` / `Scheduled Event` event delivered to that rule's
   * targets only, whatever the rule's state. Returns the event.
   */
  fireSchedule(ruleRef: string): EventBridgeEvent {
    return this.fire(this.scheduleRule(ruleRef));
  }

  /**
   * Fires a schedule rule as `fireSchedule` does and resolves once each of its
   * targets has had its first delivery attempt, with what that attempt came
   * to (see `TargetAttempt`). Retries go on in the background, as for any event.
   */
  async fireScheduleAndReport(ruleRef: string): Promise<FiredSchedule> {
    const rule = this.scheduleRule(ruleRef);
    const attempts: Array<Promise<TargetAttempt>> = [];
    const event = this.fire(rule, attempts);
    return { rule: scheduleOf(rule), event, targets: await Promise.all(attempts) };
  }

  /** Every rule with a ScheduleExpression, on every bus, whatever its state. */
  scheduleRules(): ScheduleRule[] {
    return [...this.rulesByBus.values()].flat().filter((r) => r.scheduleExpression !== undefined).map(scheduleOf);
  }

  private scheduleRule(ruleRef: string): Rule {
    const rule = [...this.rulesByBus.values()].flat().find((r) => r.name === ruleRef || r.logicalId === ruleRef || r.arn === ruleRef);
    if (!rule) throw new EventBridgeError('ResourceNotFoundException', `Rule ${ruleRef} does not exist.`);
    if (!rule.scheduleExpression) throw new EventBridgeError('ValidationException', `Rule ${rule.name} has no ScheduleExpression.`);
    return rule;
  }

  /** Records and routes the rule's Scheduled Event; `attempts`, when given, receives each target's first attempt. */
  private fire(rule: Rule, attempts?: Array<Promise<TargetAttempt>>): EventBridgeEvent {
    const { stack } = this.options;
    const event: EventBridgeEvent = {
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
    this.record({ eventBusName: rule.busName, event, matchedRules: [rule.name] });
    this.route(rule, event, attempts);
    return event;
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
    const rules = eventBusName === undefined ? [...this.rulesByBus.values()].flat() : this.busRules(eventBusName);
    return rules.map(describe);
  }

  /** Resolves when no delivery is running, waiting to retry, or being dead-lettered. */
  async idle(): Promise<void> {
    while (this.pending > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Cancels pending retries (those events are dropped) and waits for deliveries in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const sleeper of this.sleepers) {
      clearTimeout(sleeper.timer);
      sleeper.wake();
    }
    await this.idle();
  }

  // ---------------------------------------------------------------- protocol

  private async handle(request: EdgeRequest): Promise<EdgeResponse | undefined> {
    const operation = request.target?.startsWith('AWSEvents.') ? request.target.slice('AWSEvents.'.length) : undefined;
    if (!operation) return undefined;
    try {
      let input: unknown;
      try {
        input = request.body.length === 0 ? {} : JSON.parse(request.body.toString('utf8'));
      } catch {
        throw new EventBridgeError('SerializationException', 'The request body is not valid JSON.');
      }
      if (!isRecord(input)) throw new EventBridgeError('SerializationException', 'The request body must be a JSON object.');
      return jsonResponse(200, this.dispatch(operation, input));
    } catch (error) {
      if (error instanceof EventBridgeError || error instanceof InvalidEventPatternError) {
        return jsonResponse(400, { __type: error.name, message: error.message });
      }
      return jsonResponse(500, { __type: 'InternalException', message: `local EventBridge: ${String(error)}` });
    }
  }

  private dispatch(operation: string, input: Record<string, any>): object {
    switch (operation) {
      case 'PutEvents':
        return this.putEvents(input.Entries);
      case 'TestEventPattern':
        return { Result: this.testEventPattern(requiredString(input, 'EventPattern'), requiredString(input, 'Event')) };
      case 'ListRules': {
        const prefix = typeof input.NamePrefix === 'string' ? input.NamePrefix : '';
        const rules = this.busRules(input.EventBusName).filter((r) => r.name.startsWith(prefix));
        return paginate(rules.map(describe), input, 'Rules');
      }
      case 'DescribeRule': {
        const rule = this.findRule(requiredString(input, 'Name'), input.EventBusName);
        return { ...describe(rule), CreatedBy: this.options.stack.accountId };
      }
      case 'ListTargetsByRule': {
        const rule = this.findRule(requiredString(input, 'Rule'), input.EventBusName);
        return paginate(rule.targets.map((t) => t.raw), input, 'Targets');
      }
      case 'ListEventBuses': {
        const prefix = typeof input.NamePrefix === 'string' ? input.NamePrefix : '';
        const buses = [...this.buses.values()].filter((b) => b.name.startsWith(prefix)).map((b) => ({ Name: b.name, Arn: b.arn }));
        return paginate(buses, input, 'EventBuses');
      }
      case 'DescribeEventBus': {
        const bus = this.bus(input.Name);
        return { Name: bus.name, Arn: bus.arn };
      }
      default:
        throw new EventBridgeError('UnknownOperationException', `The local cloud's EventBridge does not support ${operation}.`);
    }
  }

  // ---------------------------------------------------------------- events

  private putEntry(entry: PutEventsEntry): PutEventsResultEntry {
    if (!isRecord(entry)) return invalidArgument('Entry', 'Entry must be an object.');
    for (const field of ['Source', 'DetailType', 'Detail'] as const) {
      const value = entry[field];
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
    const resources = entry.Resources ?? [];
    if (!Array.isArray(resources) || !resources.every((r) => typeof r === 'string')) {
      return invalidArgument('Resources', 'Resources must be a list of strings.');
    }
    const time = entry.Time === undefined ? Date.now() : toEpochMs(entry.Time);
    if (time === undefined) return invalidArgument('Time', 'Time must be a timestamp.');
    const busName = busNameOf(entry.EventBusName);
    if (!this.buses.has(busName)) return { ErrorCode: 'ResourceNotFoundException', ErrorMessage: `Event bus ${busName} does not exist.` };
    const { stack } = this.options;
    const event: EventBridgeEvent = {
      version: '0',
      id: randomUUID(),
      'detail-type': entry.DetailType!,
      source: entry.Source!,
      account: stack.accountId,
      time: isoSeconds(time),
      region: stack.region,
      resources: [...resources],
      detail,
    };
    const matched = (this.rulesByBus.get(busName) ?? []).filter((rule) => isEnabled(rule) && rule.pattern?.matches(event));
    this.record({ eventBusName: busName, event, matchedRules: matched.map((r) => r.name) });
    for (const rule of matched) this.route(rule, event);
    return { EventId: event.id };
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

  /**
   * Starts delivering `event` to every target of `rule`, in the background (tracked by `idle()`).
   * With `attempts`, a promise per target (in target order) resolves with what its first attempt came to.
   */
  private route(rule: Rule, event: EventBridgeEvent, attempts?: Array<Promise<TargetAttempt>>): void {
    for (const target of rule.targets) {
      this.pending++;
      let firstAttempt: ((attempt: TargetAttempt) => void) | undefined;
      attempts?.push(new Promise<TargetAttempt>((resolve) => (firstAttempt = resolve)));
      void this.deliver(rule, target, event, firstAttempt)
        .catch((error: unknown) => {
          this.log(`[events] ${rule.name}/${target.id}: ${String(error)}`);
          firstAttempt?.({ id: target.id, arn: target.arn, outcome: 'failed', error: String(error) }); // no-op if already told
        })
        .finally(() => {
          this.pending--;
          if (this.pending === 0) for (const wake of this.idleWaiters.splice(0)) wake();
        });
    }
  }

  private async deliver(rule: Rule, target: Target, event: EventBridgeEvent, firstAttempt?: (attempt: TargetAttempt) => void): Promise<void> {
    const started = Date.now();
    let retries = 0;
    let report = firstAttempt;
    const tell = (outcome: TargetAttempt['outcome'], failure?: unknown) => {
      report?.({ id: target.id, arn: target.arn, outcome, ...(failure === undefined ? {} : { error: `${errorName(failure)}: ${errorMessage(failure)}` }) });
      report = undefined;
    };
    for (;;) {
      let failure: unknown;
      try {
        tell(await this.send(rule, target, event));
        return;
      } catch (error) {
        failure = error;
      }
      if (this.stopped) {
        tell('failed', failure);
        return;
      }
      const code = errorCode(failure);
      const retriable = !(errorName(failure) in NON_RETRIABLE);
      const delay = Math.min((this.options.retryBaseDelayMs ?? 1000) * 2 ** retries, this.options.maxRetryDelayMs ?? 30_000);
      let exhausted: string | undefined;
      if (retriable && retries >= target.maxRetryAttempts) exhausted = 'MaximumRetryAttempts';
      else if (retriable && Date.now() + delay - started > target.maxEventAgeMs) exhausted = 'MaximumEventAgeInSeconds';
      tell(!retriable || exhausted ? 'failed' : 'retrying', failure);
      if (!retriable || exhausted) {
        await this.deadLetter(rule, target, event, { code, message: errorMessage(failure), retries, exhausted });
        return;
      }
      await this.sleep(delay);
      if (this.stopped) return;
      retries++;
    }
  }

  /** One delivery attempt; rejects when the target could not take the event. */
  private async send(rule: Rule, target: Target, event: EventBridgeEvent): Promise<'delivered' | 'not-emulated'> {
    const service = target.arn.split(':')[2];
    if (service === 'events' && target.arn.includes(':event-bus/')) {
      const busName = busNameOf(target.arn);
      if (!this.buses.has(busName)) throw named('ResourceNotFoundException', `Event bus ${busName} does not exist.`);
      const matched = this.busRules(busName).filter((r) => isEnabled(r) && r.pattern?.matches(event));
      this.record({ eventBusName: busName, event, matchedRules: matched.map((r) => r.name) });
      for (const next of matched) this.route(next, event);
      return 'delivered';
    }
    if (service !== 'lambda' && service !== 'sqs') {
      if (!this.warnedTargets.has(target.arn)) {
        this.warnedTargets.add(target.arn);
        this.log(`[events] rule ${rule.name}: target ${target.arn} is not emulated locally; its events are dropped`);
      }
      return 'not-emulated';
    }
    const input = targetInput(rule, target, event);
    if (service === 'lambda') await this.options.lambda.invokeAsync(target.arn, input);
    else await this.options.queues.send(target.arn, typeof input === 'string' ? input : JSON.stringify(input));
    return 'delivered';
  }

  private async deadLetter(
    rule: Rule,
    target: Target,
    event: EventBridgeEvent,
    failure: { code: string; message: string; retries: number; exhausted?: string },
  ): Promise<void> {
    const summary = `${failure.code}: ${failure.message} (after ${failure.retries} ${failure.retries === 1 ? 'retry' : 'retries'})`;
    if (!target.deadLetterArn) {
      this.log(`[events] rule ${rule.name}: delivery to ${target.arn} failed, event ${event.id} dropped: ${summary}`);
      return;
    }
    const attributes: Record<string, string> = {
      RULE_ARN: rule.arn,
      TARGET_ARN: target.arn,
      ERROR_CODE: failure.code,
      ERROR_MESSAGE: failure.message,
      RETRY_ATTEMPTS: String(failure.retries),
      ...(failure.exhausted ? { EXHAUSTED_RETRY_CONDITION: failure.exhausted } : {}),
    };
    try {
      await this.options.queues.send(target.deadLetterArn, JSON.stringify(event), attributes);
      this.log(`[events] rule ${rule.name}: delivery to ${target.arn} failed, event ${event.id} sent to ${target.deadLetterArn}: ${summary}`);
    } catch (error) {
      this.log(`[events] rule ${rule.name}: event ${event.id} lost, its dead-letter queue ${target.deadLetterArn} failed: ${errorMessage(error)}`);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const sleeper = {
        timer: setTimeout(() => sleeper.wake(), ms),
        wake: () => {
          this.sleepers.delete(sleeper);
          resolve();
        },
      };
      this.sleepers.add(sleeper);
    });
  }

  // ---------------------------------------------------------------- stack

  private addBus(name: string, arn: string): void {
    this.buses.set(name, { name, arn });
    if (!this.rulesByBus.has(name)) this.rulesByBus.set(name, []);
  }

  private toRule(logicalId: string, p: Record<string, any>, arn: string | undefined): Rule {
    const { stack } = this.options;
    const busName = busNameOf(p.EventBusName);
    const name = arn ? arn.slice(arn.lastIndexOf('/') + 1) : String(p.Name ?? logicalId);
    let pattern: CompiledEventPattern | undefined;
    if (p.EventPattern !== undefined) {
      try {
        pattern = compileEventPattern(p.EventPattern);
      } catch (error) {
        throw new Error(`Rule ${logicalId}: ${errorMessage(error)}`);
      }
    }
    const targets: Target[] = (Array.isArray(p.Targets) ? p.Targets : []).map((t: Record<string, any>) => ({
      id: String(t.Id),
      arn: String(t.Arn),
      ...(typeof t.Input === 'string' ? { input: t.Input } : {}),
      ...(typeof t.InputPath === 'string' ? { inputPath: t.InputPath } : {}),
      ...(isRecord(t.InputTransformer) ? { inputTransformer: t.InputTransformer as Target['inputTransformer'] } : {}),
      maxRetryAttempts: Number(t.RetryPolicy?.MaximumRetryAttempts ?? 185),
      maxEventAgeMs: Number(t.RetryPolicy?.MaximumEventAgeInSeconds ?? 86_400) * 1000,
      ...(typeof t.DeadLetterConfig?.Arn === 'string' ? { deadLetterArn: t.DeadLetterConfig.Arn } : {}),
      raw: t,
    }));
    return {
      logicalId,
      name,
      arn: arn ?? `arn:aws:events:${stack.region}:${stack.accountId}:rule/${busName === 'default' ? '' : `${busName}/`}${name}`,
      busName,
      state: String(p.State ?? 'ENABLED'),
      ...(typeof p.Description === 'string' ? { description: p.Description } : {}),
      ...(pattern ? { pattern } : {}),
      ...(typeof p.ScheduleExpression === 'string' ? { scheduleExpression: p.ScheduleExpression } : {}),
      targets,
    };
  }

  private bus(ref: unknown): Bus {
    const name = busNameOf(ref);
    const bus = this.buses.get(name);
    if (!bus) throw new EventBridgeError('ResourceNotFoundException', `Event bus ${name} does not exist.`);
    return bus;
  }

  private busRules(busRef: unknown): Rule[] {
    return this.rulesByBus.get(this.bus(busRef).name)!;
  }

  private findRule(name: string, busRef: unknown): Rule {
    const bus = this.bus(busRef);
    const rule = this.rulesByBus.get(bus.name)!.find((r) => r.name === name);
    if (!rule) throw new EventBridgeError('ResourceNotFoundException', `Rule ${name} does not exist on EventBus ${bus.name}.`);
    return rule;
  }
}

// ---------------------------------------------------------------- target input

/** What the target receives: the event, or what its Input / InputPath / InputTransformer make of it. */
function targetInput(rule: Rule, target: Target, event: EventBridgeEvent): unknown {
  if (target.input !== undefined) return parseOrString(target.input);
  if (target.inputPath !== undefined) return jsonPath(event, target.inputPath) ?? null;
  if (target.inputTransformer) {
    const values: Record<string, unknown> = {
      'aws.events.rule-arn': rule.arn,
      'aws.events.rule-name': rule.name,
      'aws.events.event.ingestion-time': event.time,
      'aws.events.event': event,
      'aws.events.event.json': event,
    };
    for (const [name, path] of Object.entries(target.inputTransformer.InputPathsMap ?? {})) values[name] = jsonPath(event, path);
    const text = target.inputTransformer.InputTemplate.replace(/<([A-Za-z0-9_.-]+)>/g, (placeholder, name: string) => {
      if (!(name in values)) return placeholder;
      const value = values[name];
      // A string goes in as its characters (the template quotes it where it wants a JSON string).
      if (typeof value === 'string') return JSON.stringify(value).slice(1, -1);
      return value === undefined ? 'null' : JSON.stringify(value);
    });
    return parseOrString(text);
  }
  return event;
}

/** The subset of JSONPath EventBridge uses: `$`, `.name`, `['name']`, `[index]`. */
function jsonPath(root: unknown, path: string): unknown {
  if (!path.startsWith('$')) return undefined;
  let value: unknown = root;
  const steps = /\.([^.[\]]+)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\]/g;
  let consumed = 1;
  for (let m = steps.exec(path); m; m = steps.exec(path)) {
    if (m.index !== consumed) return undefined;
    consumed = m.index + m[0].length;
    const key = m[1] ?? m[3] ?? m[4];
    if (key !== undefined) value = isRecord(value) ? value[key] : undefined;
    else value = Array.isArray(value) ? value[Number(m[2])] : undefined;
  }
  return consumed === path.length ? value : undefined;
}

function parseOrString(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

// ---------------------------------------------------------------- helpers

const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';

function jsonResponse(status: number, body: object): EdgeResponse {
  return { status, headers: { 'content-type': JSON_CONTENT_TYPE }, body: JSON.stringify(body) };
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

function describe(rule: Rule): RuleDescription {
  return {
    Name: rule.name,
    Arn: rule.arn,
    EventBusName: rule.busName,
    State: rule.state,
    ...(rule.pattern ? { EventPattern: JSON.stringify(rule.pattern.pattern) } : {}),
    ...(rule.scheduleExpression ? { ScheduleExpression: rule.scheduleExpression } : {}),
    ...(rule.description ? { Description: rule.description } : {}),
  };
}

function scheduleOf(rule: Rule): ScheduleRule {
  return {
    name: rule.name,
    logicalId: rule.logicalId,
    arn: rule.arn,
    eventBusName: rule.busName,
    state: rule.state,
    scheduleExpression: rule.scheduleExpression ?? '',
    ...(rule.description ? { description: rule.description } : {}),
    targets: rule.targets.map((t) => ({ id: t.id, arn: t.arn })),
  };
}

/** `NextToken` is the index of the first item of the page, as an opaque string. */
function paginate(items: readonly object[], input: Record<string, any>, key: string): object {
  const limit = typeof input.Limit === 'number' && input.Limit > 0 ? input.Limit : 100;
  const start = typeof input.NextToken === 'string' ? Number(Buffer.from(input.NextToken, 'base64url').toString()) || 0 : 0;
  const end = start + limit;
  return { [key]: items.slice(start, end), ...(end < items.length ? { NextToken: Buffer.from(String(end)).toString('base64url') } : {}) };
}

function isEnabled(rule: Rule): boolean {
  return rule.state.startsWith('ENABLED');
}

/** A bus name from a name or an ARN (`…:event-bus/<name>`); absent means `default`. */
function busNameOf(ref: unknown): string {
  if (typeof ref !== 'string' || ref === '') return 'default';
  const at = ref.indexOf(':event-bus/');
  return at >= 0 ? ref.slice(at + ':event-bus/'.length) : ref;
}

function toEpochMs(time: number | string | Date): number | undefined {
  const ms = time instanceof Date ? time.getTime() : typeof time === 'number' ? time * 1000 : Date.parse(time);
  return Number.isFinite(ms) ? ms : undefined;
}

/** ISO 8601 to the second, as EventBridge writes `time`. */
function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function requiredString(input: Record<string, any>, name: string): string {
  const value = input[name];
  if (typeof value !== 'string' || value === '') {
    throw new EventBridgeError('ValidationException', `1 validation error detected: Value null at '${name}' failed to satisfy constraint: Member must not be null`);
  }
  return value;
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'Error';
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The ERROR_CODE EventBridge writes on a dead letter for this failure. */
function errorCode(error: unknown): string {
  const name = errorName(error);
  if (name in NON_RETRIABLE) return NON_RETRIABLE[name]!;
  if (THROTTLING.has(name)) return 'THROTTLING';
  if (name === 'TimeoutError') return 'TIMEOUT';
  return 'SDK_CLIENT_ERROR';
}

function named(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

function isRecord(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
