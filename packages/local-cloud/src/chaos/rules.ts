/**
 * Fault rules in LocalStack's Chaos API schema (`/_localstack/chaos/faults`):
 * `{ service?, region?, operation?, probability?, error?: { statusCode, code } }`,
 * plus our one extension `kill` (Lambda only: the worker is killed
 * mid-invocation). Guarantees: a rule list is validated whole (every problem
 * named, nothing applied when one is wrong); an omitted field matches
 * everything; defaults are LocalStack's (probability 1, 503
 * `ServiceUnavailable`); rules compare by value (what DELETE removes).
 */

/** One fault rule as LocalStack's Chaos API takes it (and as GET gives it back). */
export interface FaultRule {
  /** Service name (`dynamodb`, `kinesis`, `s3`, `events`, `sqs`, `lambda`, ...); absent: every service. */
  readonly service?: string;
  /** Region (`us-east-1`); absent: every region. */
  readonly region?: string;
  /** Operation (`PutItem`, `PutRecords`, `PutObject`, `Invoke`); absent: every operation. */
  readonly operation?: string;
  /** Chance that a matching call fails, 0..1; absent: 1. */
  readonly probability?: number;
  /** The error answered; absent: 503 `ServiceUnavailable`. */
  readonly error?: { readonly statusCode?: number; readonly code?: string };
  /**
   * Our extension, Lambda only (`service: "lambda"`, operation `Invoke` or
   * absent): instead of failing the invocation, its worker process is killed
   * once the handler has started (after its first AWS call when it makes one).
   */
  readonly kill?: boolean;
  /** Our extension, Lambda only: the function (name, logical id or ARN) whose invocations the rule targets; absent: every function. */
  readonly functionName?: string;
  /** Our extension: the rule fires at most this many times, then matches nothing (it stays listed). */
  readonly times?: number;
}

/** The error a rule answers, its defaults filled in. */
export interface FaultError {
  readonly statusCode: number;
  readonly code: string;
}

export const DEFAULT_FAULT_ERROR: FaultError = { statusCode: 503, code: 'ServiceUnavailable' };

const RULE_FIELDS = new Set(['service', 'region', 'operation', 'probability', 'error', 'kill', 'functionName', 'times']);
const ERROR_FIELDS = new Set(['statusCode', 'code']);

/** The error of a rule, with LocalStack's defaults. */
export function faultError(rule: FaultRule): FaultError {
  return { statusCode: rule.error?.statusCode ?? DEFAULT_FAULT_ERROR.statusCode, code: rule.error?.code ?? DEFAULT_FAULT_ERROR.code };
}

/** A rule list from a request body, or every problem with it. */
export function parseRules(body: unknown): { rules: FaultRule[] } | { problems: string[] } {
  if (!Array.isArray(body)) return { problems: ['the body must be a JSON array of rules, e.g. [{"service":"s3"}]'] };
  const problems: string[] = [];
  const rules = body.map((value, index) => checkRule(value, `rule ${index}`, problems));
  return problems.length > 0 ? { problems } : { rules };
}

function checkRule(value: unknown, where: string, problems: string[]): FaultRule {
  if (!isRecord(value)) {
    problems.push(`${where}: must be an object`);
    return {};
  }
  for (const key of Object.keys(value)) if (!RULE_FIELDS.has(key)) problems.push(`${where}: unknown field "${key}"`);
  for (const key of ['service', 'region', 'operation', 'functionName'] as const) {
    if (value[key] !== undefined && (typeof value[key] !== 'string' || value[key] === ''))
      problems.push(`${where}: ${key} must be a non-empty string`);
  }
  const { probability, error, kill } = value;
  if (probability !== undefined && (typeof probability !== 'number' || !(probability >= 0 && probability <= 1))) {
    problems.push(`${where}: probability must be a number from 0 to 1`);
  }
  if (error !== undefined) {
    if (!isRecord(error)) problems.push(`${where}: error must be an object { statusCode, code }`);
    else {
      for (const key of Object.keys(error)) if (!ERROR_FIELDS.has(key)) problems.push(`${where}: unknown field "error.${key}"`);
      const { statusCode, code } = error;
      if (statusCode !== undefined && (!Number.isInteger(statusCode) || (statusCode as number) < 400 || (statusCode as number) > 599)) {
        problems.push(`${where}: error.statusCode must be an HTTP error status (400-599)`);
      }
      if (code !== undefined && (typeof code !== 'string' || !/^[A-Za-z0-9_.:#-]+$/.test(code))) {
        problems.push(`${where}: error.code must be an error code such as ServiceUnavailable`);
      }
    }
  }
  if (kill !== undefined) {
    if (typeof kill !== 'boolean') problems.push(`${where}: kill must be true or false`);
    else if (kill && (value.service !== 'lambda' || (value.operation !== undefined && value.operation !== 'Invoke'))) {
      problems.push(`${where}: kill applies to Lambda invocations only (service "lambda", operation "Invoke" or none)`);
    }
  }
  if (value.functionName !== undefined && value.service !== 'lambda')
    problems.push(`${where}: functionName applies to service "lambda" only`);
  if (value.times !== undefined && (!Number.isInteger(value.times) || (value.times as number) < 1)) {
    problems.push(`${where}: times must be a whole number of at least 1`);
  }
  return value as FaultRule;
}

/** What a call is, as far as rules match it. */
export interface CallFacts {
  /** The names the service goes by (SigV4 name first, then LocalStack's if it differs). */
  readonly services: readonly string[];
  readonly region: string;
  readonly operation: string | undefined;
  /** For a Lambda invocation: the names the function goes by (name, logical id, ARN). */
  readonly functionNames?: readonly string[];
}

/** Whether the rule's service, region and operation (each absent: any) match the call. */
export function ruleMatches(rule: FaultRule, call: CallFacts): boolean {
  if (rule.service !== undefined && !call.services.includes(rule.service.toLowerCase())) return false;
  if (rule.region !== undefined && rule.region !== call.region) return false;
  if (rule.operation !== undefined && rule.operation !== call.operation) return false;
  if (rule.functionName !== undefined && !call.functionNames?.includes(rule.functionName)) return false;
  return true;
}

/** A rule's canonical JSON (keys sorted): equal rules, equal text. */
export function canonicalRule(rule: FaultRule): string {
  return JSON.stringify(rule, (_key, value: unknown) =>
    isRecord(value)
      ? Object.fromEntries(
          Object.keys(value)
            .sort()
            .map((k) => [k, value[k]]),
        )
      : value,
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
