/**
 * A Lambda authorizer's answer: read and checked as API Gateway checks it, then its
 * policy evaluated against a method ARN (an explicit Deny wins; no matching Allow denies).
 */

export interface Statement {
  readonly effect: 'Allow' | 'Deny';
  readonly action?: readonly RegExp[];
  readonly notAction?: readonly RegExp[];
  readonly resource?: readonly RegExp[];
  readonly notResource?: readonly RegExp[];
  /** Has a `Condition` block, which the local cloud does not evaluate (see `statementMatches`). */
  readonly conditional: boolean;
}

/** A checked authorizer answer; kept in the cache and evaluated again for each method ARN. */
export interface AuthorizerResponse {
  readonly principalId?: string;
  readonly statements: readonly Statement[];
  /** `context`, every value a string (or null) as API Gateway passes it on. */
  readonly context: Readonly<Record<string, string | null>>;
  readonly usageIdentifierKey?: string;
}

export type PolicyDecision = 'allow' | 'explicit-deny' | 'implicit-deny';

const INVOKE_ACTION = 'execute-api:Invoke';

/** Reads what the function returned; `problem` when API Gateway would answer 500 (AUTHORIZER_CONFIGURATION_ERROR). */
export function parseAuthorizerResponse(payload: unknown): { response: AuthorizerResponse } | { problem: string } {
  if (!isObject(payload)) return { problem: `the authorizer returned ${describe(payload)}, not an object` };
  const { principalId, policyDocument, context, usageIdentifierKey } = payload;

  if (principalId !== undefined && principalId !== null && typeof principalId !== 'string' && typeof principalId !== 'number') {
    return { problem: `principalId is ${describe(principalId)}` };
  }
  if (!isObject(policyDocument)) return { problem: `policyDocument is ${describe(policyDocument)}` };
  const rawStatements = policyDocument.Statement;
  const list = Array.isArray(rawStatements) ? rawStatements : isObject(rawStatements) ? [rawStatements] : undefined;
  if (!list) return { problem: `policyDocument.Statement is ${describe(rawStatements)}` };
  const statements: Statement[] = [];
  for (const [i, raw] of list.entries()) {
    const statement = parseStatement(raw);
    if (typeof statement === 'string') return { problem: `policyDocument.Statement[${i}]: ${statement}` };
    statements.push(statement);
  }

  const rendered: Record<string, string | null> = {};
  if (context !== undefined && context !== null) {
    if (!isObject(context)) return { problem: `context is ${describe(context)}` };
    for (const [key, value] of Object.entries(context)) {
      if (value === undefined) continue;
      if (value === null) rendered[key] = null;
      else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') rendered[key] = String(value);
      else return { problem: `context.${key} is ${describe(value)}: only strings, numbers and booleans are allowed` };
    }
  }
  if (usageIdentifierKey !== undefined && usageIdentifierKey !== null && typeof usageIdentifierKey !== 'string') {
    return { problem: `usageIdentifierKey is ${describe(usageIdentifierKey)}` };
  }
  return {
    response: {
      ...(principalId === undefined || principalId === null ? {} : { principalId: String(principalId) }),
      statements,
      context: rendered,
      ...(typeof usageIdentifierKey === 'string' ? { usageIdentifierKey } : {}),
    },
  };
}

function parseStatement(raw: unknown): Statement | string {
  if (!isObject(raw)) return `is ${describe(raw)}`;
  const effect = typeof raw.Effect === 'string' ? raw.Effect.toLowerCase() : undefined;
  if (effect !== 'allow' && effect !== 'deny') return `Effect is ${describe(raw.Effect)}, not Allow or Deny`;
  const patterns = (field: string, caseInsensitive: boolean): RegExp[] | undefined | string => {
    const value = raw[field];
    if (value === undefined) return undefined;
    const items =
      typeof value === 'string'
        ? [value]
        : Array.isArray(value) && value.every((v) => typeof v === 'string')
          ? (value as string[])
          : undefined;
    return items ? items.map((p) => glob(p, caseInsensitive)) : `${field} is ${describe(value)}`;
  };
  const action = patterns('Action', true);
  const notAction = patterns('NotAction', true);
  const resource = patterns('Resource', false);
  const notResource = patterns('NotResource', false);
  for (const r of [action, notAction, resource, notResource]) if (typeof r === 'string') return r;
  if (!action && !notAction) return 'has neither Action nor NotAction';
  if (!resource && !notResource) return 'has neither Resource nor NotResource';
  return {
    effect: effect === 'allow' ? 'Allow' : 'Deny',
    ...(action ? { action: action as RegExp[] } : {}),
    ...(notAction ? { notAction: notAction as RegExp[] } : {}),
    ...(resource ? { resource: resource as RegExp[] } : {}),
    ...(notResource ? { notResource: notResource as RegExp[] } : {}),
    conditional: raw.Condition !== undefined,
  };
}

/**
 * IAM's evaluation for one action on one resource: a matching Deny wins over any Allow,
 * and without a matching Allow the request is denied.
 */
export function evaluatePolicy(statements: readonly Statement[], methodArn: string): PolicyDecision {
  let allowed = false;
  for (const s of statements) {
    if (s.effect === 'Deny') {
      // Fail closed: a Deny with a Condition is taken as matching.
      if (statementMatches(s, methodArn)) return 'explicit-deny';
    } else if (!allowed && !s.conditional && statementMatches(s, methodArn)) {
      // Fail closed: an Allow with a Condition never matches.
      allowed = true;
    }
  }
  return allowed ? 'allow' : 'implicit-deny';
}

function statementMatches(s: Statement, methodArn: string): boolean {
  const actionOk = s.action ? s.action.some((re) => re.test(INVOKE_ACTION)) : !s.notAction!.some((re) => re.test(INVOKE_ACTION));
  if (!actionOk) return false;
  return s.resource ? s.resource.some((re) => re.test(methodArn)) : !s.notResource!.some((re) => re.test(methodArn));
}

/** An IAM pattern: `*` any run of characters (slashes included), `?` any one character. */
export function glob(pattern: string, caseInsensitive = false): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, caseInsensitive ? 'is' : 's');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}
