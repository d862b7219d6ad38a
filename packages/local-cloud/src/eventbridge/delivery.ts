/**
 * Delivery of events to rule targets, as EventBridge does it: in the
 * background, Lambda targets invoked asynchronously and SQS targets sent a
 * message, a failed attempt retried with exponential backoff within the
 * target's RetryPolicy (a missing target or a permission error is not
 * retried), then dead-lettered with AWS's attributes.
 */
import { errorMessage } from '../protocol/errors';
import type { LambdaInvoker, QueueSink } from '../types';
import { errorName, named } from './errors';
import type { EventBridgeEvent, Rule, Target, TargetAttempt } from './model';
import { busNameOf, type RuleBook } from './rules';
import { targetInput } from './targets';

/** Errors EventBridge does not retry: the target is gone or may not be called; they go straight to the DLQ. */
const NON_RETRIABLE: Readonly<Record<string, string>> = {
  ResourceNotFoundException: 'NO_RESOURCE',
  QueueDoesNotExist: 'NO_RESOURCE',
  AccessDeniedException: 'NO_PERMISSIONS',
};
const THROTTLING = new Set(['TooManyRequestsException', 'ThrottlingException', 'RequestThrottled']);

export interface DeliveryOptions {
  readonly rules: RuleBook;
  readonly lambda: LambdaInvoker;
  readonly queues: QueueSink;
  /** Records an event handed to a bus target and routes it to that bus's matching rules. */
  readonly publish: (busName: string, event: EventBridgeEvent) => void;
  readonly retryBaseDelayMs?: number;
  readonly maxRetryDelayMs?: number;
  readonly log: (line: string) => void;
}

/** The deliveries in progress; `idle()` resolves once every delivery, retry and dead letter has settled. */
export class Delivery {
  private readonly rules: RuleBook;
  private readonly publish: DeliveryOptions['publish'];
  private readonly log: (line: string) => void;
  private readonly sleepers = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();
  private readonly idleWaiters: Array<() => void> = [];
  private readonly warnedTargets = new Set<string>();
  private pending = 0;
  private stopped = false;

  constructor(private readonly options: DeliveryOptions) {
    this.rules = options.rules;
    this.publish = options.publish;
    this.log = options.log;
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

  /**
   * Starts delivering `event` to every target of `rule`, in the background (tracked by `idle()`).
   * With `attempts`, a promise per target (in target order) resolves with what its first attempt came to.
   */
  route(rule: Rule, event: EventBridgeEvent, attempts?: Array<Promise<TargetAttempt>>): void {
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

  private async deliver(
    rule: Rule,
    target: Target,
    event: EventBridgeEvent,
    firstAttempt?: (attempt: TargetAttempt) => void,
  ): Promise<void> {
    const started = Date.now();
    let retries = 0;
    let report = firstAttempt;
    const tell = (outcome: TargetAttempt['outcome'], failure?: unknown) => {
      report?.({
        id: target.id,
        arn: target.arn,
        outcome,
        ...(failure === undefined ? {} : { error: `${errorName(failure)}: ${errorMessage(failure)}` }),
      });
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
      if (!this.rules.hasBus(busName)) throw named('ResourceNotFoundException', `Event bus ${busName} does not exist.`);
      this.publish(busName, event);
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
      this.log(
        `[events] rule ${rule.name}: delivery to ${target.arn} failed, event ${event.id} sent to ${target.deadLetterArn}: ${summary}`,
      );
    } catch (error) {
      this.log(
        `[events] rule ${rule.name}: event ${event.id} lost, its dead-letter queue ${target.deadLetterArn} failed: ${errorMessage(error)}`,
      );
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
}

/** The ERROR_CODE EventBridge writes on a dead letter for this failure. */
function errorCode(error: unknown): string {
  const name = errorName(error);
  if (name in NON_RETRIABLE) return NON_RETRIABLE[name]!;
  if (THROTTLING.has(name)) return 'THROTTLING';
  if (name === 'TimeoutError') return 'TIMEOUT';
  return 'SDK_CLIENT_ERROR';
}
