/**
 * The EventBridge event-pattern language, as the local cloud's rules and
 * `TestEventPattern` use it. Pure: no I/O, no clock, no randomness.
 *
 * A pattern is compiled once (validated, operators turned into predicates) and
 * then matched against many events. Semantics follow EventBridge's:
 * - every field of a pattern object must match (AND); the values listed for a
 *   field are alternatives (OR); `$or` lists alternative sub-patterns;
 * - a field whose event value is an array matches when any element matches;
 *   a nested pattern over an array of objects matches when one element
 *   matches the whole nested pattern (fields of different elements never combine);
 * - operators only look at leaf values (strings, numbers, booleans, null):
 *   an object-valued field has no leaf value, so only `{"exists": false}` matches it;
 * - `null` and `""` are distinct values, and neither is a missing field.
 */
import { BlockList, isIP } from 'node:net';

/**
 * A pattern EventBridge would refuse (PutRule / TestEventPattern answer
 * `InvalidEventPatternException`). `name` is that error code, so a service can
 * map it to the AWS error as is.
 */
export class InvalidEventPatternError extends Error {
  constructor(reason: string, path: readonly string[] = []) {
    super(`Event pattern is not valid. Reason: ${reason}${path.length > 0 ? ` at "${path.join('.')}"` : ''}`);
    this.name = 'InvalidEventPatternException';
  }
}

/** A validated pattern, ready to match events. */
export interface CompiledEventPattern {
  /** The pattern as parsed (JSON object). */
  readonly pattern: Readonly<Record<string, unknown>>;
  /** Whether `event` (a parsed JSON value) matches the pattern. Never throws. */
  matches(event: unknown): boolean;
}

/**
 * Validates and compiles a pattern given as a JSON string (as in a template or
 * an API call) or as a parsed object. Throws `InvalidEventPatternError` with the
 * reason and the path of the first problem found.
 */
export function compileEventPattern(pattern: string | object): CompiledEventPattern {
  const parsed = typeof pattern === 'string' ? parseJson(pattern) : pattern;
  if (!isPlainObject(parsed)) throw new InvalidEventPatternError('the pattern must be a JSON object');
  const node = compileNode(parsed, []);
  return { pattern: parsed, matches: (event) => node(event) };
}

/** Throws `InvalidEventPatternError` when `pattern` is not a valid event pattern. */
export function validateEventPattern(pattern: string | object): void {
  compileEventPattern(pattern);
}

/** One-off match (compiles the pattern each call; compile once when matching many events). */
export function matchesEventPattern(pattern: string | object, event: unknown): boolean {
  return compileEventPattern(pattern).matches(event);
}

// ---------------------------------------------------------------- compiling

/** Matches one node of the event (an object, an array of them, or anything else). */
type NodeMatcher = (value: unknown) => boolean;
/** Matches the leaf values found at one field (empty when the field is missing or not a leaf). */
type LeafMatcher = (values: readonly Leaf[]) => boolean;
type Leaf = string | number | boolean | null;

/** Numeric values EventBridge accepts in a pattern. */
const NUMERIC_LIMIT = 5e9;

function compileNode(pattern: Record<string, unknown>, path: string[]): NodeMatcher {
  const keys = Object.keys(pattern);
  if (keys.length === 0) throw new InvalidEventPatternError('empty objects are not allowed', path);
  const checks: Array<(node: unknown) => boolean> = [];
  for (const key of keys) {
    const value = pattern[key];
    const here = [...path, key];
    if (key === '$or' && Array.isArray(value) && value.length > 0 && value.every(isPlainObject)) {
      if (value.length < 2) throw new InvalidEventPatternError('"$or" needs at least two alternatives', here);
      const alternatives = value.map((alternative, i) => compileNode(alternative, [...here, String(i)]));
      checks.push((node) => alternatives.some((alternative) => alternative(node)));
    } else if (Array.isArray(value)) {
      const leaf = compileLeafList(value, here);
      checks.push((node) => leaf(leafValues(fieldOf(node, key))));
    } else if (isPlainObject(value)) {
      const nested = compileNode(value, here);
      checks.push((node) => nested(fieldOf(node, key)));
    } else {
      throw new InvalidEventPatternError('a field must map to an array of values or to a nested object', here);
    }
  }
  const matchOne = (node: unknown) => checks.every((check) => check(node));
  return (node) => {
    if (!Array.isArray(node)) return matchOne(node);
    const elements = node.flat(Infinity);
    return elements.length === 0 ? matchOne(undefined) : elements.some(matchOne);
  };
}

function compileLeafList(list: unknown[], path: string[]): LeafMatcher {
  if (list.length === 0) throw new InvalidEventPatternError('empty arrays are not allowed', path);
  const conditions = list.map((item) => compileCondition(item, path));
  return (values) => conditions.some((condition) => condition(values));
}

/** Leaf-value predicates lifted to "some value at the field matches". */
const some =
  (predicate: (value: Leaf) => boolean): LeafMatcher =>
  (values) =>
    values.some(predicate);

function compileCondition(item: unknown, path: string[]): LeafMatcher {
  if (isLeaf(item)) return some((value) => value === item);
  if (Array.isArray(item)) throw new InvalidEventPatternError('nested arrays are not allowed', path);
  const operator = item as Record<string, unknown>;
  const keys = Object.keys(operator);
  if (keys.length !== 1) {
    throw new InvalidEventPatternError(
      `a match object must have exactly one operator, found ${keys.length === 0 ? 'none' : keys.join(', ')}`,
      path,
    );
  }
  const name = keys[0]!;
  const argument = operator[name];
  const here = [...path, name];
  switch (name) {
    case 'exists':
      if (typeof argument !== 'boolean') throw new InvalidEventPatternError('"exists" takes true or false', here);
      return argument ? (values) => values.length > 0 : (values) => values.length === 0;
    case 'prefix':
    case 'suffix':
      return some(compileAffix(name, argument, here));
    case 'equals-ignore-case':
      return some(compileIgnoreCase(argument, here));
    case 'wildcard':
      return some(compileWildcard(argument, here));
    case 'numeric':
      return some(compileNumeric(argument, here));
    case 'cidr':
      return some(compileCidr(argument, here));
    case 'anything-but':
      return some(compileAnythingBut(argument, here));
    default:
      throw new InvalidEventPatternError(`unrecognized match type "${name}"`, path);
  }
}

/** `prefix` / `suffix`, with a string or `{"equals-ignore-case": string}`. */
function compileAffix(kind: 'prefix' | 'suffix', argument: unknown, path: string[]): (value: Leaf) => boolean {
  let text: string;
  let ignoreCase = false;
  if (typeof argument === 'string') {
    text = argument;
  } else if (isPlainObject(argument) && Object.keys(argument).length === 1 && typeof argument['equals-ignore-case'] === 'string') {
    text = foldCase(argument['equals-ignore-case']);
    ignoreCase = true;
  } else {
    throw new InvalidEventPatternError(`"${kind}" takes a string or {"equals-ignore-case": string}`, path);
  }
  return (value) => {
    if (typeof value !== 'string') return false;
    const subject = ignoreCase ? foldCase(value) : value;
    return kind === 'prefix' ? subject.startsWith(text) : subject.endsWith(text);
  };
}

function compileIgnoreCase(argument: unknown, path: string[]): (value: Leaf) => boolean {
  const texts = stringOrStrings(argument, '"equals-ignore-case"', path).map(foldCase);
  return (value) => typeof value === 'string' && texts.includes(foldCase(value));
}

function compileWildcard(argument: unknown, path: string[]): (value: Leaf) => boolean {
  const regexes = stringOrStrings(argument, '"wildcard"', path).map((text) => wildcardRegex(text, path));
  return (value) => typeof value === 'string' && regexes.some((regex) => regex.test(value));
}

/** `*` is any run of characters; `\*` a literal star, `\\` a literal backslash. */
function wildcardRegex(text: string, path: string[]): RegExp {
  let source = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\') {
      const next = text[i + 1];
      if (next !== '*' && next !== '\\')
        throw new InvalidEventPatternError(`invalid escape in wildcard "${text}" (only \\* and \\\\)`, path);
      source += escapeRegex(next);
      i++;
    } else if (c === '*') {
      if (text[i + 1] === '*') throw new InvalidEventPatternError(`consecutive wildcard characters are not allowed in "${text}"`, path);
      source += '.*';
    } else {
      source += escapeRegex(c);
    }
  }
  return new RegExp(`^${source}$`, 's');
}

const LOWER_BOUNDS = new Set(['>', '>=']);
const UPPER_BOUNDS = new Set(['<', '<=']);

/** `["=", n]`, one bound (`[">", n]`), or a range with one lower and one upper bound. */
function compileNumeric(argument: unknown, path: string[]): (value: Leaf) => boolean {
  const usage = '"numeric" takes ["=", n], one bound like [">", n], or a range like [">", a, "<=", b]';
  if (!Array.isArray(argument) || (argument.length !== 2 && argument.length !== 4)) throw new InvalidEventPatternError(usage, path);
  const tests: Array<(n: number) => boolean> = [];
  let lower: number | undefined;
  let upper: number | undefined;
  for (let i = 0; i < argument.length; i += 2) {
    const op: unknown = argument[i];
    const bound: unknown = argument[i + 1];
    if (typeof op !== 'string' || !['=', ...LOWER_BOUNDS, ...UPPER_BOUNDS].includes(op)) {
      throw new InvalidEventPatternError(`unrecognized numeric operator ${JSON.stringify(op)}; ${usage}`, path);
    }
    if (typeof bound !== 'number' || !Number.isFinite(bound) || Math.abs(bound) > NUMERIC_LIMIT) {
      throw new InvalidEventPatternError(`"numeric" bounds must be numbers between -${NUMERIC_LIMIT} and ${NUMERIC_LIMIT}`, path);
    }
    if (op === '=') {
      if (argument.length !== 2) throw new InvalidEventPatternError(`"=" cannot be combined with other operators; ${usage}`, path);
      tests.push((n) => n === bound);
    } else if (LOWER_BOUNDS.has(op)) {
      if (lower !== undefined) throw new InvalidEventPatternError(`a numeric range has one lower bound; ${usage}`, path);
      lower = bound;
      tests.push(op === '>' ? (n) => n > bound : (n) => n >= bound);
    } else {
      if (upper !== undefined) throw new InvalidEventPatternError(`a numeric range has one upper bound; ${usage}`, path);
      upper = bound;
      tests.push(op === '<' ? (n) => n < bound : (n) => n <= bound);
    }
  }
  if (lower !== undefined && upper !== undefined && lower >= upper) {
    throw new InvalidEventPatternError(`the lower bound of a numeric range (${lower}) must be below its upper bound (${upper})`, path);
  }
  return (value) => typeof value === 'number' && tests.every((test) => test(value));
}

/** IPv4 or IPv6 network (`10.0.0.0/24`, `2001:db8::/32`), or a single address. */
function compileCidr(argument: unknown, path: string[]): (value: Leaf) => boolean {
  if (typeof argument !== 'string') throw new InvalidEventPatternError('"cidr" takes a string like "10.0.0.0/24"', path);
  const [address = '', prefixText, ...rest] = argument.split('/');
  const version = isIP(address);
  const family = version === 4 ? 'ipv4' : 'ipv6';
  const bits = version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? bits : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (version === 0 || rest.length > 0 || !(prefix >= 0 && prefix <= bits)) {
    throw new InvalidEventPatternError(`"${argument}" is not a valid IPv4 or IPv6 CIDR block`, path);
  }
  const network = new BlockList();
  network.addSubnet(address, prefix, family);
  return (value) => typeof value === 'string' && isIP(value) === version && network.check(value, family);
}

/**
 * `anything-but`: a value, a list of strings or of numbers, or one of
 * `{prefix}`, `{suffix}`, `{equals-ignore-case}`, `{wildcard}`. Matches any
 * leaf value the inner condition does not match (a missing field has no value,
 * so it never matches).
 */
function compileAnythingBut(argument: unknown, path: string[]): (value: Leaf) => boolean {
  if (typeof argument === 'string' || typeof argument === 'number') return (value) => value !== argument;
  if (Array.isArray(argument)) {
    const allStrings = argument.every((v) => typeof v === 'string');
    const allNumbers = argument.every((v) => typeof v === 'number');
    if (argument.length === 0 || !(allStrings || allNumbers)) {
      throw new InvalidEventPatternError('"anything-but" takes a non-empty list of strings only or of numbers only', path);
    }
    const excluded = new Set<unknown>(argument);
    return (value) => !excluded.has(value);
  }
  if (isPlainObject(argument)) {
    const keys = Object.keys(argument);
    const name = keys[0];
    const inner = argument[name ?? ''];
    const here = [...path, name ?? ''];
    let excluded: ((value: Leaf) => boolean) | undefined;
    if (keys.length === 1) {
      if (name === 'prefix' || name === 'suffix') {
        if (typeof inner !== 'string') throw new InvalidEventPatternError(`"anything-but" / "${name}" takes a string`, here);
        excluded = compileAffix(name, inner, here);
      } else if (name === 'equals-ignore-case') {
        excluded = compileIgnoreCase(inner, here);
      } else if (name === 'wildcard') {
        excluded = compileWildcard(inner, here);
      }
    }
    if (excluded) {
      const test = excluded;
      return (value) => !test(value);
    }
  }
  throw new InvalidEventPatternError(
    '"anything-but" takes a string, a number, a list of them, or one of {"prefix"}, {"suffix"}, {"equals-ignore-case"}, {"wildcard"}',
    path,
  );
}

function stringOrStrings(argument: unknown, what: string, path: string[]): string[] {
  if (typeof argument === 'string') return [argument];
  if (Array.isArray(argument) && argument.length > 0 && argument.every((v) => typeof v === 'string')) return argument as string[];
  throw new InvalidEventPatternError(`${what} takes a string or a non-empty list of strings`, path);
}

// ---------------------------------------------------------------- event side

function fieldOf(node: unknown, key: string): unknown {
  return isPlainObject(node) ? node[key] : undefined;
}

/** The leaf values at a field: the value itself, or the leaves of an array (objects have none). */
function leafValues(value: unknown): Leaf[] {
  if (value === undefined) return [];
  if (isLeaf(value)) return [value];
  if (Array.isArray(value)) return value.flatMap(leafValues);
  return [];
}

// ---------------------------------------------------------------- helpers

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidEventPatternError(`the pattern is not valid JSON (${(error as Error).message})`);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isLeaf(value: unknown): value is Leaf {
  return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/** Case folding for the ignore-case operators (Unicode-aware, locale-independent). */
function foldCase(text: string): string {
  return text.toUpperCase().toLowerCase();
}

function escapeRegex(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}
