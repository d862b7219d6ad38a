/**
 * The buses and rules of the stack, as EventBridge holds them: read from the
 * template (`AWS::Events::EventBus`, `AWS::Events::Rule` and their targets),
 * found by name or ARN, described as `ListRules` and the CLI describe them.
 */
import { errorMessage } from '../protocol/errors';
import type { LocalStack } from '../types';
import { resourceNotFound, validationError } from './errors';
import type { Bus, EventBridgeEvent, Rule, RuleDescription, ScheduleRule, Target } from './model';
import { compileEventPattern, type CompiledEventPattern } from './pattern';

export class RuleBook {
  private readonly buses = new Map<string, Bus>();
  private readonly rulesByBus = new Map<string, Rule[]>();

  /** Throws, naming the rule, when a rule's pattern is invalid (as the deployment would fail on AWS). */
  constructor(private readonly stack: LocalStack) {
    this.addBus('default', `arn:aws:events:${stack.region}:${stack.accountId}:event-bus/default`);
    for (const resource of stack.byType('AWS::Events::EventBus')) {
      const name = resource.attributes.Name ?? resource.physicalId;
      this.addBus(name, resource.attributes.Arn ?? `arn:aws:events:${stack.region}:${stack.accountId}:event-bus/${name}`);
    }
    for (const resource of stack.byType('AWS::Events::Rule')) {
      const rule = this.toRule(resource.logicalId, resource.properties, resource.attributes.Arn);
      if (!this.buses.has(rule.busName))
        this.addBus(rule.busName, `arn:aws:events:${stack.region}:${stack.accountId}:event-bus/${rule.busName}`);
      this.rulesByBus.get(rule.busName)!.push(rule);
    }
  }

  hasBus(name: string): boolean {
    return this.buses.has(name);
  }

  allBuses(): Bus[] {
    return [...this.buses.values()];
  }

  allRules(): Rule[] {
    return [...this.rulesByBus.values()].flat();
  }

  /** The bus of a name or ARN (absent: `default`); `ResourceNotFoundException` otherwise. */
  bus(ref: unknown): Bus {
    const name = busNameOf(ref);
    const bus = this.buses.get(name);
    if (!bus) throw resourceNotFound(`Event bus ${name} does not exist.`);
    return bus;
  }

  busRules(busRef: unknown): Rule[] {
    return this.rulesByBus.get(this.bus(busRef).name)!;
  }

  /** The ENABLED rules of a bus whose pattern matches the event (none for an unknown bus). */
  matching(busName: string, event: EventBridgeEvent): Rule[] {
    return (this.rulesByBus.get(busName) ?? []).filter((rule) => isEnabled(rule) && rule.pattern?.matches(event));
  }

  findRule(name: string, busRef: unknown): Rule {
    const bus = this.bus(busRef);
    const rule = this.rulesByBus.get(bus.name)!.find((r) => r.name === name);
    if (!rule) throw resourceNotFound(`Rule ${name} does not exist on EventBus ${bus.name}.`);
    return rule;
  }

  /** A schedule rule by name, logical id or ARN. */
  scheduleRule(ruleRef: string): Rule {
    const rule = this.allRules().find((r) => r.name === ruleRef || r.logicalId === ruleRef || r.arn === ruleRef);
    if (!rule) throw resourceNotFound(`Rule ${ruleRef} does not exist.`);
    if (!rule.scheduleExpression) throw validationError(`Rule ${rule.name} has no ScheduleExpression.`);
    return rule;
  }

  private addBus(name: string, arn: string): void {
    this.buses.set(name, { name, arn });
    if (!this.rulesByBus.has(name)) this.rulesByBus.set(name, []);
  }

  private toRule(logicalId: string, p: Record<string, any>, arn: string | undefined): Rule {
    const { stack } = this;
    const busName = busNameOf(p.EventBusName);
    const name = arn ? arn.slice(arn.lastIndexOf('/') + 1) : String(p.Name ?? logicalId);
    let pattern: CompiledEventPattern | undefined;
    if (p.EventPattern !== undefined) {
      try {
        pattern = compileEventPattern(p.EventPattern);
      } catch (error) {
        throw new Error(`Rule ${logicalId}: ${errorMessage(error)}`, { cause: error });
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
}

export function describe(rule: Rule): RuleDescription {
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

export function scheduleOf(rule: Rule): ScheduleRule {
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

export function isEnabled(rule: Rule): boolean {
  return rule.state.startsWith('ENABLED');
}

/** A bus name from a name or an ARN (`…:event-bus/<name>`); absent means `default`. */
export function busNameOf(ref: unknown): string {
  if (typeof ref !== 'string' || ref === '') return 'default';
  const at = ref.indexOf(':event-bus/');
  return at >= 0 ? ref.slice(at + ':event-bus/'.length) : ref;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
