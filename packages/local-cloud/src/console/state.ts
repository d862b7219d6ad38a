/**
 * What the local console shows, read from the running cloud on each call (no
 * copy of the cloud's state is kept here but the recent log lines): resources
 * by type, functions and what triggers them, recent invocations with their log
 * lines, events with the rules they matched and what became of each delivery,
 * dead-letter queues with their messages, and the chaos rules.
 * Guarantees: every list is bounded (the most recent first); log lines are
 * kept in a ring of `MAX_LINES`.
 */
import type { ChaosEngine } from '../chaos/engine';
import type { EventBridgeService } from '../eventbridge/service';
import { readFunctions, type LambdaRuntime } from '../lambda/runtime';
import type { SqsService } from '../sqs/service';
import type { LocalStack, StackResource } from '../types';

const MAX_LINES = 2000;
const MAX_ROWS = 50;

export interface ConsoleSources {
  readonly stack: LocalStack;
  readonly lambda: LambdaRuntime;
  readonly events: EventBridgeService;
  readonly sqs: SqsService;
  readonly chaos: ChaosEngine;
}

/** A queue that receives what failed elsewhere, and the queue a redrive sends its messages back to. */
export interface DeadLetterQueue {
  readonly name: string;
  readonly arn: string;
  /**
   * Where a redrive sends its messages: the queue whose RedrivePolicy names this one (moved back),
   * or the function whose DeadLetterConfig names it (each message, the failed event, invoked again
   * asynchronously). None for a rule target's DLQ.
   */
  readonly redriveTo?: { readonly kind: 'queue' | 'function'; readonly name: string };
  /** What sends dead letters here. */
  readonly usedBy: readonly string[];
}

export class ConsoleState {
  private readonly lines: string[] = [];

  constructor(private readonly sources: ConsoleSources) {}

  /** Keeps one line of the cloud's log (function output, REPORT lines, `[events]` notes). */
  logLine(line: string): void {
    this.lines.push(line);
    if (this.lines.length > MAX_LINES) this.lines.splice(0, this.lines.length - MAX_LINES);
  }

  snapshot(): Record<string, unknown> {
    return {
      stack: this.sources.stack.stackName,
      resources: this.resources(),
      functions: this.functions(),
      invocations: this.invocations(),
      events: this.eventsSeen(),
      deadLetterQueues: this.deadLetterQueues().map((dlq) => ({ ...dlq, messages: this.sources.sqs.peek(dlq.arn) })),
      tables: this.tables(),
      chaos: { rules: this.sources.chaos.rules(), effects: this.sources.chaos.effects() },
    };
  }

  /** The stack's queues that hold dead letters, by name. */
  deadLetterQueues(): DeadLetterQueue[] {
    const { stack } = this.sources;
    const queues = stack.byType('AWS::SQS::Queue');
    const byArn = new Map(queues.map((q) => [q.attributes.Arn, q]));
    const found = new Map<string, { queue: StackResource; redriveTo?: DeadLetterQueue['redriveTo']; usedBy: string[] }>();
    const note = (arn: unknown, user: string, redriveTo?: DeadLetterQueue['redriveTo']) => {
      const queue = typeof arn === 'string' ? byArn.get(arn) : undefined;
      if (!queue) return;
      const entry = found.get(queue.logicalId) ?? { queue, usedBy: [] };
      entry.usedBy.push(user);
      if (redriveTo) entry.redriveTo ??= redriveTo;
      found.set(queue.logicalId, entry);
    };
    for (const queue of queues) {
      const policy = redrivePolicyOf(queue);
      if (policy) note(policy.deadLetterTargetArn, `queue ${queueName(queue)}`, { kind: 'queue', name: queueName(queue) });
    }
    for (const fn of readFunctions(stack))
      note(fn.deadLetterTarget, `function ${fn.displayName}`, { kind: 'function', name: fn.functionName });
    for (const rule of stack.byType('AWS::Events::Rule')) {
      for (const target of (rule.properties.Targets ?? []) as { Id?: string; DeadLetterConfig?: { Arn?: string } }[]) {
        note(target.DeadLetterConfig?.Arn, `rule ${rule.physicalId} target ${target.Id ?? ''}`);
      }
    }
    return [...found.values()].map(({ queue, redriveTo, usedBy }) => ({
      name: queueName(queue),
      arn: queue.attributes.Arn ?? queue.physicalId,
      ...(redriveTo ? { redriveTo } : {}),
      usedBy,
    }));
  }

  /**
   * Empties a dead-letter queue of its visible messages into where they came from (see
   * `DeadLetterQueue.redriveTo`); returns how many were redriven.
   */
  async redrive(dlq: DeadLetterQueue): Promise<number> {
    if (!dlq.redriveTo) throw new Error(`${dlq.name} has no source queue or function to redrive to`);
    if (dlq.redriveTo.kind === 'queue') return this.sources.sqs.redrive(dlq.arn, dlq.redriveTo.name);
    const messages = this.sources.sqs.take(dlq.arn);
    for (const message of messages) await this.sources.lambda.invokeAsync(dlq.redriveTo.name, parseEvent(message.body));
    return messages.length;
  }

  private resources(): { type: string; resources: { logicalId: string; localName: string }[] }[] {
    const byType = new Map<string, { logicalId: string; localName: string }[]>();
    for (const r of this.sources.stack.resources) {
      const list = byType.get(r.type) ?? [];
      list.push({ logicalId: r.logicalId, localName: r.physicalId });
      byType.set(r.type, list);
    }
    return [...byType.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([type, resources]) => ({ type, resources }));
  }

  private functions(): { name: string; displayName: string; triggers: string[]; runtime: string; timeoutSeconds: number }[] {
    const triggers = this.triggersByFunction();
    return readFunctions(this.sources.stack).map((fn) => ({
      name: fn.functionName,
      displayName: fn.displayName,
      runtime: fn.runtime,
      timeoutSeconds: fn.timeoutSeconds,
      triggers: [...(triggers.get(fn.arn) ?? triggers.get(fn.functionName) ?? new Set())].sort(),
    }));
  }

  /** What can invoke each function (by ARN or name), read from the template: API methods, rules, event source mappings. */
  private triggersByFunction(): Map<string, Set<string>> {
    const { stack } = this.sources;
    const map = new Map<string, Set<string>>();
    const add = (ref: unknown, trigger: string) => {
      if (typeof ref !== 'string') return;
      const set = map.get(ref) ?? new Set<string>();
      set.add(trigger);
      map.set(ref, set);
    };
    for (const fn of readFunctions(stack)) {
      for (const method of stack.byType('AWS::ApiGateway::Method')) {
        const uri = JSON.stringify(method.properties.Integration?.Uri ?? '');
        if (uri.includes(fn.arn)) add(fn.arn, 'api');
      }
    }
    for (const rule of stack.byType('AWS::Events::Rule')) {
      for (const target of (rule.properties.Targets ?? []) as { Arn?: string }[]) {
        add(target.Arn, rule.properties.ScheduleExpression ? 'schedule' : 'events');
      }
    }
    for (const mapping of stack.byType('AWS::Lambda::EventSourceMapping')) {
      const source = String(mapping.properties.EventSourceArn ?? '').split(':')[2] ?? 'stream';
      const fn = String(mapping.properties.FunctionName ?? '');
      const resolved = readFunctions(stack).find((f) => f.functionName === fn || f.arn === fn || f.logicalId === fn);
      add(resolved?.arn ?? fn, source);
    }
    return map;
  }

  private invocations(): Record<string, unknown>[] {
    const triggers = this.triggersByFunction();
    const functions = readFunctions(this.sources.stack);
    return this.sources.lambda
      .records()
      .slice(-MAX_ROWS)
      .reverse()
      .map((record) => {
        const fn = functions.find((f) => f.logicalId === record.logicalId);
        const prefix = `[${fn?.displayName ?? record.logicalId}] `;
        return {
          ...record,
          cold: record.initDurationMs !== undefined,
          trigger: [...(triggers.get(fn?.arn ?? '') ?? [])].sort().join(', ') || 'direct',
          logs: this.lines.filter((l) => l.startsWith(prefix) && l.includes(record.requestId)).map((l) => l.slice(prefix.length)),
        };
      });
  }

  private eventsSeen(): Record<string, unknown>[] {
    const notes = this.lines.filter((l) => l.startsWith('[events] '));
    // A dead letter (of a function or a rule target) carries the failed event, with its id, as its body.
    const deadLetters = this.deadLetterQueues().flatMap((dlq) =>
      this.sources.sqs.peek(dlq.arn).map((m) => ({ dlq: dlq.name, body: m.body })),
    );
    return this.sources.events
      .events()
      .slice(-MAX_ROWS)
      .reverse()
      .map(({ eventBusName, event, matchedRules }) => ({
        id: event.id,
        time: event.time,
        bus: eventBusName,
        source: event.source,
        detailType: event['detail-type'],
        detail: event.detail,
        deliveries: matchedRules.map((rule) => {
          const failure = notes.find((n) => n.includes(`rule ${rule}:`) && n.includes(event.id));
          return { rule, outcome: failure ? failure.replace(/^\[events\] /, '') : 'delivered to its targets' };
        }),
        deadLetteredIn: [...new Set(deadLetters.filter((d) => d.body.includes(`"id":"${event.id}"`)).map((d) => d.dlq))],
      }));
  }

  private tables(): { name: string; keys: { name: string; keyType: string; type: string }[] }[] {
    return this.sources.stack.byType('AWS::DynamoDB::Table').map((table) => {
      const types = new Map(
        ((table.properties.AttributeDefinitions ?? []) as { AttributeName: string; AttributeType: string }[]).map((a) => [
          a.AttributeName,
          a.AttributeType,
        ]),
      );
      const keys = ((table.properties.KeySchema ?? []) as { AttributeName: string; KeyType: string }[]).map((k) => ({
        name: k.AttributeName,
        keyType: k.KeyType,
        type: types.get(k.AttributeName) ?? 'S',
      }));
      return { name: table.physicalId, keys };
    });
  }
}

function queueName(queue: StackResource): string {
  return queue.attributes.QueueName ?? queue.physicalId.split('/').pop() ?? queue.logicalId;
}

function redrivePolicyOf(queue: StackResource): { deadLetterTargetArn?: string } | undefined {
  const policy: unknown = queue.properties.RedrivePolicy;
  if (!policy) return undefined;
  if (typeof policy === 'string') return JSON.parse(policy) as { deadLetterTargetArn?: string };
  return policy as { deadLetterTargetArn?: string };
}

/** A dead letter's body is the failed event as JSON; a body that is not JSON is passed on as the string it is. */
function parseEvent(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return body;
  }
}
