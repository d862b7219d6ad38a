/**
 * The fault injector behind LocalStack's Chaos API: the rule list, the
 * network effects, and the decision for each call. Guarantees:
 * - rules are evaluated in order and the first whose service, region and
 *   operation match decides alone: it fires with its probability, or the call
 *   goes through (later rules are not asked);
 * - with a seed (`{ seed }` on the effects, our extension) every decision is
 *   reproducible: the n-th time a given rule is asked, it answers the same,
 *   whatever other calls interleave; without one, decisions use Math.random;
 * - a Lambda invocation (service `lambda`, operation `Invoke`) is decided here
 *   for the runtime, never at the edge, so a rule is applied once per invocation;
 * - a kill is armed per worker (by the worker's access key id) and fires once,
 *   after the edge has answered that worker's next AWS call.
 */
import { LOCAL_REGION, type InvocationFault, type InvocationFaults } from '../types';
import { canonicalRule, faultError, ruleMatches, type CallFacts, type FaultError, type FaultRule } from './rules';
import { decide } from './random';

/** `/_localstack/chaos/effects`: LocalStack's `latency`, and our `seed`. */
export interface ChaosEffects {
  /** Added before every AWS call through the edge is served, in ms (LocalStack's; default 0). */
  readonly latency: number;
  /** Our extension: makes the faults' random decisions reproducible; absent: Math.random. */
  readonly seed?: number;
}

interface ActiveRule {
  readonly rule: FaultRule;
  /** Canonical JSON: the rule's identity for seeded decisions and DELETE. */
  readonly key: string;
  /** How many times the rule was asked (its position in its seeded sequence). */
  asked: number;
  /** How many times it fired (for `times`). */
  fired: number;
}

/** A decided fault on an AWS call: the error to answer. */
export type CallFault = FaultError;

export class ChaosEngine implements InvocationFaults {
  private active: ActiveRule[] = [];
  private effectsNow: ChaosEffects = { latency: 0 };
  private readonly armed = new Map<string, () => void>();

  /** The rules, as given (GET). */
  rules(): FaultRule[] {
    return this.active.map((a) => a.rule);
  }

  /** Replaces the rules (POST); `[]` disables every fault. */
  setRules(rules: readonly FaultRule[]): FaultRule[] {
    this.active = rules.map(activate);
    return this.rules();
  }

  /** Appends rules after the existing ones (PATCH). */
  addRules(rules: readonly FaultRule[]): FaultRule[] {
    this.active.push(...rules.map(activate));
    return this.rules();
  }

  /** Removes every rule equal (field by field) to one given (DELETE); others stay in order. */
  removeRules(rules: readonly FaultRule[]): FaultRule[] {
    const keys = new Set(rules.map(canonicalRule));
    this.active = this.active.filter((a) => !keys.has(a.key));
    return this.rules();
  }

  effects(): ChaosEffects {
    return this.effectsNow;
  }

  /** Sets the effects (POST): fields given replace the current ones; a new seed restarts every rule's sequence. */
  setEffects(effects: { latency?: number; seed?: number | null }): ChaosEffects {
    const latency = effects.latency ?? this.effectsNow.latency;
    const seed = effects.seed === null ? undefined : (effects.seed ?? this.effectsNow.seed);
    if (effects.seed !== undefined) for (const a of this.active) a.asked = 0;
    this.effectsNow = seed === undefined ? { latency } : { latency, seed };
    return this.effectsNow;
  }

  /** Resolves after the configured latency (at once when 0). */
  delay(): Promise<void> {
    const ms = this.effectsNow.latency;
    return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
  }

  /** The fault for an AWS call through the edge, if a rule fires. Lambda's `Invoke` is left to `invocationFault`. */
  callFault(call: CallFacts): CallFault | undefined {
    if (this.active.length === 0) return undefined;
    if (call.services.includes('lambda') && call.operation === 'Invoke') return undefined;
    const rule = this.firing(call);
    return rule && faultError(rule);
  }

  /** The fault for one invocation of a function (every kind: API, rule target, async, mapping, authorizer). */
  invocationFault(fn: { functionName: string; logicalId: string; arn: string }): InvocationFault | undefined {
    if (this.active.length === 0) return undefined;
    const rule = this.firing({
      services: ['lambda'],
      region: LOCAL_REGION,
      operation: 'Invoke',
      functionNames: [fn.functionName, fn.logicalId, fn.arn],
    });
    if (!rule) return undefined;
    if (rule.kill) return { kind: 'kill' };
    const { code } = faultError(rule);
    return { kind: 'error', errorType: code, errorMessage: `Fault injected by the local cloud's Chaos API into ${fn.functionName}` };
  }

  /** Calls `kill` once, after the edge has answered the next AWS call signed with `accessKeyId`; the returned function disarms. */
  armKill(accessKeyId: string, kill: () => void): () => void {
    this.armed.set(accessKeyId, kill);
    return () => {
      if (this.armed.get(accessKeyId) === kill) this.armed.delete(accessKeyId);
    };
  }

  /** Whether a kill waits for an AWS call (the edge then reports each call's access key). */
  get killArmed(): boolean {
    return this.armed.size > 0;
  }

  /** The edge answered a call signed with `accessKeyId`: fires the kill armed for it, if any. */
  callServed(accessKeyId: string | undefined): void {
    if (accessKeyId === undefined) return;
    const kill = this.armed.get(accessKeyId);
    if (!kill) return;
    this.armed.delete(accessKeyId);
    kill();
  }

  /** The first rule that matches the call, if it fires (probability, `times`); undefined otherwise. */
  private firing(call: CallFacts): FaultRule | undefined {
    const found = this.active.find((a) => (a.rule.times === undefined || a.fired < a.rule.times) && ruleMatches(a.rule, call));
    if (!found) return undefined;
    const probability = found.rule.probability ?? 1;
    const fires = decide(probability, this.effectsNow.seed, found.key, found.asked++);
    if (!fires) return undefined;
    found.fired++;
    return found.rule;
  }
}

function activate(rule: FaultRule): ActiveRule {
  return { rule, key: canonicalRule(rule), asked: 0, fired: 0 };
}
