/**
 * CloudFormation intrinsic functions, resolved the way CloudFormation does at
 * deploy time, but against the local cloud's names. Pure: no I/O; what `Ref`
 * and `Fn::GetAtt` return for a resource comes from the caller.
 */
import { createHash } from 'node:crypto';

/** What resolution needs to know about the stack being "deployed". */
export interface ResolveContext {
  readonly region: string;
  readonly accountId: string;
  readonly stackName: string;
  /** `AWS::StackId`; a stable fake ARN is derived from the stack name when absent. */
  readonly stackId?: string;
  /** `AWS::Partition`, default `aws`. */
  readonly partition?: string;
  /** `AWS::URLSuffix`, default `amazonaws.com`. */
  readonly urlSuffix?: string;
  /** Resolved parameter values by name (a list parameter is a string array). */
  readonly parameters?: Readonly<Record<string, unknown>>;
  /** The template's `Conditions` section, unevaluated. */
  readonly conditions?: Readonly<Record<string, unknown>>;
  /** The template's `Mappings` section, for `Fn::FindInMap`. */
  readonly mappings?: Readonly<Record<string, Record<string, Record<string, unknown>>>>;
  /** `Ref` of a resource: its physical id, or undefined when no such resource exists. */
  readonly ref?: (logicalId: string) => unknown;
  /**
   * `Fn::GetAtt` of a resource. Return undefined when the resource does not
   * exist; throw (with a message naming what exists) when the attribute does not.
   */
  readonly getAtt?: (logicalId: string, attribute: string) => unknown;
  /** Exports of other stacks; without it `Fn::ImportValue` is an error. */
  readonly importValue?: (exportName: string) => string | undefined;
}

/** A value could not be resolved; `path` says where in the template. */
export class IntrinsicError extends Error {
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(`${path}: ${detail}`);
    this.name = 'IntrinsicError';
  }
}

/** `AWS::NoValue`: removes the key (or list element) that holds it. */
const NO_VALUE: unique symbol = Symbol('AWS::NoValue');

const conditionCache = new WeakMap<ResolveContext, Map<string, boolean>>();

/**
 * Resolves every intrinsic inside `value` (deeply). Guarantees: the result
 * contains no `Ref`/`Fn::*` objects; `AWS::NoValue` removes the key or list
 * element holding it (and a top-level `AWS::NoValue` gives undefined);
 * anything that cannot be resolved throws an `IntrinsicError` naming its path.
 *
 * @param path where `value` sits in the template, used in error messages
 */
export function resolveValue(value: unknown, context: ResolveContext, path = '$'): unknown {
  const resolved = resolve(value, context, path);
  return resolved === NO_VALUE ? undefined : resolved;
}

/**
 * Evaluates the named condition of the template's `Conditions` section (cached
 * per context). Throws an `IntrinsicError` for an unknown condition.
 */
export function evaluateCondition(name: string, context: ResolveContext, path = `$.Conditions.${name}`): boolean {
  let cache = conditionCache.get(context);
  if (!cache) conditionCache.set(context, (cache = new Map()));
  const cached = cache.get(name);
  if (cached !== undefined) return cached;
  const definition = context.conditions?.[name];
  if (definition === undefined) throw new IntrinsicError(path, `unknown condition '${name}'`);
  const result = conditionValue(definition, context, `$.Conditions.${name}`);
  cache.set(name, result);
  return result;
}

/** The value of a pseudo parameter (`AWS::Region`...), or undefined if `name` is not one. */
export function pseudoParameter(name: string, context: ResolveContext): string | undefined {
  switch (name) {
    case 'AWS::Region':
      return context.region;
    case 'AWS::AccountId':
      return context.accountId;
    case 'AWS::Partition':
      return context.partition ?? 'aws';
    case 'AWS::URLSuffix':
      return context.urlSuffix ?? 'amazonaws.com';
    case 'AWS::StackName':
      return context.stackName;
    case 'AWS::StackId':
      return context.stackId ?? fakeStackId(context);
    case 'AWS::NotificationARNs':
      return undefined;
    default:
      return undefined;
  }
}

/** A stable stack ARN for a stack name (CloudFormation's has a random UUID). */
export function fakeStackId(context: Pick<ResolveContext, 'region' | 'accountId' | 'stackName' | 'partition'>): string {
  const h = createHash('sha256').update(context.stackName).digest('hex');
  const uuid = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  return `arn:${context.partition ?? 'aws'}:cloudformation:${context.region}:${context.accountId}:stack/${context.stackName}/${uuid}`;
}

// ---------------------------------------------------------------- internals

function resolve(value: unknown, context: ResolveContext, path: string): unknown {
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    value.forEach((item, i) => {
      const r = resolve(item, context, `${path}[${i}]`);
      if (r !== NO_VALUE) out.push(r);
    });
    return out;
  }
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) {
    return intrinsic(keys[0], (value as Record<string, unknown>)[keys[0]], context, `${path}.${keys[0]}`);
  }
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const r = resolve((value as Record<string, unknown>)[key], context, `${path}.${key}`);
    if (r !== NO_VALUE) out[key] = r;
  }
  return out;
}

function intrinsic(name: string, arg: unknown, context: ResolveContext, path: string): unknown {
  switch (name) {
    case 'Ref':
      return ref(expectString(resolve(arg, context, path), path, 'a name'), context, path);
    case 'Fn::GetAtt':
      return getAtt(arg, context, path);
    case 'Fn::Join': {
      const [delimiter, list] = expectArgs(arg, 2, path);
      const items = expectList(resolve(list, context, `${path}[1]`), `${path}[1]`);
      return items.map((item, i) => scalar(item, `${path}[1][${i}]`)).join(expectString(delimiter, `${path}[0]`, 'a delimiter'));
    }
    case 'Fn::Sub':
      return sub(arg, context, path);
    case 'Fn::Select': {
      const [index, list] = expectArgs(arg, 2, path);
      const i = Number(resolve(index, context, `${path}[0]`));
      const items = expectList(resolve(list, context, `${path}[1]`), `${path}[1]`);
      if (!Number.isInteger(i) || i < 0 || i >= items.length) {
        throw new IntrinsicError(path, `index ${String(index)} is out of range for a list of ${items.length}`);
      }
      return items[i];
    }
    case 'Fn::Split': {
      const [delimiter, source] = expectArgs(arg, 2, path);
      const text = expectString(resolve(source, context, `${path}[1]`), `${path}[1]`, 'a string');
      return text.split(expectString(delimiter, `${path}[0]`, 'a delimiter'));
    }
    case 'Fn::If': {
      const [condition, whenTrue, whenFalse] = expectArgs(arg, 3, path);
      const name = expectString(condition, `${path}[0]`, 'a condition name');
      return evaluateCondition(name, context, `${path}[0]`)
        ? resolve(whenTrue, context, `${path}[1]`)
        : resolve(whenFalse, context, `${path}[2]`);
    }
    case 'Fn::Equals':
    case 'Fn::Not':
    case 'Fn::And':
    case 'Fn::Or':
    case 'Fn::Contains':
      // Condition functions may appear in values too; CloudFormation gives "true"/"false".
      return String(conditionValue({ [name]: arg }, context, path.slice(0, -name.length - 1)));
    case 'Fn::GetAZs': {
      const region = resolve(arg, context, path);
      const r = typeof region === 'string' && region !== '' ? region : context.region;
      return [`${r}a`, `${r}b`, `${r}c`];
    }
    case 'Fn::Base64':
      return Buffer.from(expectString(resolve(arg, context, path), path, 'a string'), 'utf8').toString('base64');
    case 'Fn::ImportValue': {
      const exportName = expectString(resolve(arg, context, path), path, 'an export name');
      const imported = context.importValue?.(exportName);
      if (imported === undefined) {
        throw new IntrinsicError(
          path,
          `Fn::ImportValue '${exportName}': no stack of this cloud assembly exports it, and the local cloud cannot read exports of stacks deployed elsewhere`,
        );
      }
      return imported;
    }
    case 'Fn::FindInMap': {
      const [map, top, second] = expectArgs(arg, 3, path).map((a, i) =>
        expectString(resolve(a, context, `${path}[${i}]`), `${path}[${i}]`, 'a key'),
      );
      const found = context.mappings?.[map]?.[top]?.[second];
      if (found === undefined) throw new IntrinsicError(path, `no mapping ${map}.${top}.${second}`);
      return resolve(found, context, path);
    }
    case 'Fn::Length':
      return expectList(resolve(arg, context, path), path).length;
    case 'Fn::ToJsonString':
      return JSON.stringify(resolve(arg, context, path));
    default:
      throw new IntrinsicError(path, `${name} is not supported by the local cloud`);
  }
}

function ref(name: string, context: ResolveContext, path: string): unknown {
  if (name === 'AWS::NoValue') return NO_VALUE;
  if (name.startsWith('AWS::')) {
    const pseudo = pseudoParameter(name, context);
    if (pseudo === undefined) throw new IntrinsicError(path, `pseudo parameter ${name} is not supported`);
    return pseudo;
  }
  if (context.parameters && Object.hasOwn(context.parameters, name)) return context.parameters[name];
  const physical = callback(() => context.ref?.(name), path);
  if (physical === undefined) throw new IntrinsicError(path, `Ref to '${name}', which is neither a resource nor a parameter`);
  return physical;
}

function getAtt(arg: unknown, context: ResolveContext, path: string): unknown {
  let logicalId: string;
  let attribute: string;
  if (typeof arg === 'string') {
    const dot = arg.indexOf('.');
    if (dot <= 0) throw new IntrinsicError(path, `expected "LogicalId.Attribute", got "${arg}"`);
    logicalId = arg.slice(0, dot);
    attribute = arg.slice(dot + 1);
  } else {
    const [id, att] = expectArgs(arg, 2, path);
    logicalId = expectString(id, `${path}[0]`, 'a logical id');
    attribute = expectString(resolve(att, context, `${path}[1]`), `${path}[1]`, 'an attribute name');
  }
  const value = callback(() => context.getAtt?.(logicalId, attribute), path);
  if (value === undefined) throw new IntrinsicError(path, `Fn::GetAtt of '${logicalId}.${attribute}': no resource '${logicalId}'`);
  return value;
}

/** Runs a caller's lookup; what it throws is reported at `path`. */
function callback(lookup: () => unknown, path: string): unknown {
  try {
    return lookup();
  } catch (error) {
    if (error instanceof IntrinsicError) throw error;
    throw new IntrinsicError(path, error instanceof Error ? error.message : String(error));
  }
}

function sub(arg: unknown, context: ResolveContext, path: string): string {
  let template: string;
  let variables: Record<string, unknown> = {};
  if (typeof arg === 'string') {
    template = arg;
  } else {
    const [t, vars] = expectArgs(arg, 2, path);
    template = expectString(t, `${path}[0]`, 'a template string');
    if (vars === null || typeof vars !== 'object' || Array.isArray(vars)) {
      throw new IntrinsicError(`${path}[1]`, 'expected a map of variables');
    }
    variables = vars as Record<string, unknown>;
  }
  return template.replace(/\$\{([^}]*)\}/g, (_match, expression: string) => {
    if (expression.startsWith('!')) return `\${${expression.slice(1)}}`;
    const name = expression.trim();
    if (Object.hasOwn(variables, name)) {
      return scalar(resolve(variables[name], context, `${path}[1].${name}`), `${path}[1].${name}`);
    }
    const dot = name.indexOf('.');
    if (dot > 0 && !name.startsWith('AWS::')) {
      return scalar(getAtt(name, context, `${path}.\${${name}}`), `${path}.\${${name}}`);
    }
    return scalar(ref(name, context, `${path}.\${${name}}`), `${path}.\${${name}}`);
  });
}

function conditionValue(definition: unknown, context: ResolveContext, path: string): boolean {
  if (typeof definition === 'boolean') return definition;
  if (definition === 'true' || definition === 'false') return definition === 'true';
  if (definition === null || typeof definition !== 'object' || Array.isArray(definition)) {
    throw new IntrinsicError(path, 'expected a condition function');
  }
  const [name, ...rest] = Object.keys(definition);
  if (name === undefined || rest.length > 0) throw new IntrinsicError(path, 'expected exactly one condition function');
  const arg = (definition as Record<string, unknown>)[name];
  const at = `${path}.${name}`;
  switch (name) {
    case 'Condition':
      return evaluateCondition(expectString(arg, at, 'a condition name'), context, at);
    case 'Fn::Equals': {
      const [a, b] = expectArgs(arg, 2, at);
      return comparable(resolve(a, context, `${at}[0]`)) === comparable(resolve(b, context, `${at}[1]`));
    }
    case 'Fn::Not': {
      const [c] = expectArgs(arg, 1, at);
      return !conditionValue(c, context, `${at}[0]`);
    }
    case 'Fn::And':
      return expectList(arg, at).every((c, i) => conditionValue(c, context, `${at}[${i}]`));
    case 'Fn::Or':
      return expectList(arg, at).some((c, i) => conditionValue(c, context, `${at}[${i}]`));
    case 'Fn::Contains': {
      const [list, item] = expectArgs(arg, 2, at);
      const wanted = comparable(resolve(item, context, `${at}[1]`));
      return expectList(resolve(list, context, `${at}[0]`), `${at}[0]`).some((x) => comparable(x) === wanted);
    }
    default: {
      const value = resolve(definition, context, path);
      if (value === 'true' || value === true) return true;
      if (value === 'false' || value === false) return false;
      throw new IntrinsicError(path, `${name} does not give a condition`);
    }
  }
}

function comparable(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function scalar(value: unknown, path: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new IntrinsicError(path, `expected a string, got ${describe(value)}`);
}

function expectString(value: unknown, path: string, what: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  throw new IntrinsicError(path, `expected ${what}, got ${describe(value)}`);
}

function expectList(value: unknown, path: string): unknown[] {
  if (Array.isArray(value)) return value;
  throw new IntrinsicError(path, `expected a list, got ${describe(value)}`);
}

function expectArgs(value: unknown, count: number, path: string): unknown[] {
  if (Array.isArray(value) && value.length === count) return value;
  throw new IntrinsicError(path, `expected a list of ${count} arguments, got ${describe(value)}`);
}

function describe(value: unknown): string {
  if (value === NO_VALUE) return 'AWS::NoValue';
  if (value === undefined) return 'nothing';
  const json = JSON.stringify(value);
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}
