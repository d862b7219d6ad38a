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
 * - `null` and `""` are distinct values, and neither is a missing field;
 * - keys join with dots, as EventBridge compiles them: a pattern's
 *   `{"state.status": [...]}` and `{"state": {"status": [...]}}` are the same
 *   pattern, and each matches an event with either shape;
 * - a refused pattern's reason is worded as AWS (event-ruler) words it, followed
 *   by the path of the problem.
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
  if (!isPlainObject(parsed)) throw new InvalidEventPatternError('Filter is not an object');
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
  if (keys.length === 0) throw new InvalidEventPatternError('Empty objects are not allowed', path);
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
      throw new InvalidEventPatternError(`"${key}" must be an object or an array`, here);
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
  if (list.length === 0) throw new InvalidEventPatternError('Empty arrays are not allowed', path);
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
  if (!isPlainObject(item)) throw new InvalidEventPatternError('Match value must be String, number, true, false, or null', path);
  const operator = item;
  const keys = Object.keys(operator);
  if (keys.length !== 1) throw new InvalidEventPatternError('Only one key allowed in match expression', path);
  const name = keys[0]!;
  const argument = operator[name];
  const here = [...path, name];
  switch (name) {
    case 'exists':
      if (typeof argument !== 'boolean') throw new InvalidEventPatternError('exists match pattern must be either true or false.', here);
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
      throw new InvalidEventPatternError(`Unrecognized match type ${name}`, path);
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
  } else if (isPlainObject(argument)) {
    const inner = Object.keys(argument)[0];
    if (inner !== 'equals-ignore-case') throw new InvalidEventPatternError(`Unsupported ${kind} pattern: ${inner}`, path);
    throw new InvalidEventPatternError('equals-ignore-case match pattern must be a string', path);
  } else {
    throw new InvalidEventPatternError(`${kind} match pattern must be a string`, path);
  }
  return (value) => {
    if (typeof value !== 'string') return false;
    const subject = ignoreCase ? foldCase(value) : value;
    return kind === 'prefix' ? subject.startsWith(text) : subject.endsWith(text);
  };
}

/** `equals-ignore-case` takes one string; inside `anything-but`, a string or a list of them. */
function compileIgnoreCase(argument: unknown, path: string[], inAnythingBut = false): (value: Leaf) => boolean {
  const texts = inAnythingBut
    ? stringOrStrings(argument, 'Inside anything-but/ignore-case list, number|start|null|boolean is not supported.', path)
    : [onlyString(argument, 'equals-ignore-case match pattern must be a string', path)];
  const folded = texts.map(foldCase);
  return (value) => typeof value === 'string' && folded.includes(foldCase(value));
}

/** `wildcard` takes one string; inside `anything-but`, a string or a list of them. */
function compileWildcard(argument: unknown, path: string[], inAnythingBut = false): (value: Leaf) => boolean {
  const texts = inAnythingBut
    ? stringOrStrings(argument, 'wildcard match pattern must be a string', path)
    : [onlyString(argument, 'wildcard match pattern must be a string', path)];
  const regexes = texts.map((text) => wildcardRegex(text, path));
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
      if (text[i + 1] === '*') throw new InvalidEventPatternError(`Consecutive wildcard characters at pos ${i + 1}`, path);
      source += '.*';
    } else {
      source += escapeRegex(c);
    }
  }
  return new RegExp(`^${source}$`, 's');
}

/**
 * `["=", n]`, one bound (`[">", n]`, `["<=", n]`), or a range: a lower bound then an
 * upper one (`[">", a, "<=", b]`). Refusals are event-ruler's, in its order.
 */
function compileNumeric(argument: unknown, path: string[]): (value: Leaf) => boolean {
  const fail = (reason: string): never => {
    throw new InvalidEventPatternError(reason, path);
  };
  if (!Array.isArray(argument)) fail('Value of numeric must be an array.');
  const terms = argument as unknown[];
  const bound = (at: number, op: string): number => {
    const value = terms[at];
    if (typeof value !== 'number' || !Number.isFinite(value)) fail(`Value of ${op === '=' ? 'equals' : op} must be numeric`);
    if (Math.abs(value as number) > NUMERIC_LIMIT) fail('Value must be between -5.0E9 and 5.0E9, inclusive');
    return value as number;
  };
  const first = terms[0];
  if (typeof first !== 'string') fail(`Invalid member in numeric match: ${terms.length === 0 ? ']' : JSON.stringify(first)}`);
  const op = first as string;
  if (!['=', '<', '<=', '>', '>='].includes(op)) fail(`Unrecognized numeric range operator: ${op}`);
  const a = bound(1, op);
  const test = (o: string, n: number) => (x: number) =>
    o === '=' ? x === n : o === '>' ? x > n : o === '>=' ? x >= n : o === '<' ? x < n : x <= n;
  const tests = [test(op, a)];
  if (terms.length > 2) {
    if (op !== '>' && op !== '>=') fail('Too many elements in numeric expression');
    const second = terms[2];
    if (typeof second !== 'string') fail(`Bad value in numeric range: ${JSON.stringify(second)}`);
    if (second !== '<' && second !== '<=') fail(`Bad numeric range operator: ${String(second)}`);
    const b = bound(3, second as string);
    if (b <= a) fail('Bottom must be less than top');
    if (terms.length > 4) fail('Too many terms in numeric range expression');
    tests.push(test(second as string, b));
  }
  return (value) => typeof value === 'number' && tests.every((t) => t(value));
}

/** An IPv4 or IPv6 network (`10.0.0.0/24`, `2001:db8::/32`); refusals as event-ruler words them. */
function compileCidr(argument: unknown, path: string[]): (value: Leaf) => boolean {
  if (typeof argument !== 'string') throw new InvalidEventPatternError('prefix match pattern must be a string', path);
  const parts = argument.split('/');
  if (parts.length !== 2) throw new InvalidEventPatternError("Malformed CIDR, one '/' required", path);
  const [address, prefixText] = parts as [string, string];
  if (!/^\d+$/.test(prefixText)) throw new InvalidEventPatternError('Malformed CIDR, mask bits must be an integer', path);
  const version = isIP(address);
  const bits = version === 4 ? 32 : 128;
  const prefix = Number(prefixText);
  if (version === 0 || prefix > bits) throw new InvalidEventPatternError(`Nonstandard IP address: ${address}`, path);
  const family = version === 4 ? 'ipv4' : 'ipv6';
  const network = new BlockList();
  network.addSubnet(address, prefix, family);
  return (value) => typeof value === 'string' && isIP(value) === version && network.check(value, family);
}

/**
 * `anything-but`: a string or number, a list of strings or of numbers, or one of
 * `{prefix}`, `{suffix}` (a non-empty string or a list of them), `{equals-ignore-case}`,
 * `{wildcard}` (a string or a list). Matches any leaf value the inner condition does
 * not match (a missing field has no value, so it never matches).
 */
function compileAnythingBut(argument: unknown, path: string[]): (value: Leaf) => boolean {
  const fail = (reason: string, at = path): never => {
    throw new InvalidEventPatternError(reason, at);
  };
  if (typeof argument === 'string' || typeof argument === 'number') return (value) => value !== argument;
  if (Array.isArray(argument)) {
    if (!argument.every((v) => typeof v === 'string' || typeof v === 'number'))
      fail('Inside anything but list, start|null|boolean is not supported.');
    const allStrings = argument.every((v) => typeof v === 'string');
    const allNumbers = argument.every((v) => typeof v === 'number');
    if (!(allStrings || allNumbers)) fail('Inside anything but list, either all values are number or string, mixed type is not supported');
    const excluded = new Set<unknown>(argument);
    return (value) => !excluded.has(value);
  }
  if (!isPlainObject(argument)) return fail('Value of anything-but must be an array or single string/number value.');
  const keys = Object.keys(argument);
  if (keys.length !== 1) fail('Only one key allowed in match expression');
  const name = keys[0]!;
  const inner = argument[name];
  const here = [...path, name];
  let excluded: (value: Leaf) => boolean;
  if (name === 'prefix' || name === 'suffix') {
    if (isPlainObject(inner)) fail('Value of anything-but must be an array or single string/number value.', here);
    const texts = stringOrStrings(inner, 'prefix/suffix match pattern must be a string', here);
    if (texts.some((t) => t === '')) fail('Null prefix/suffix not allowed', here);
    const affixes = texts.map((t) => compileAffix(name, t, here));
    excluded = (value) => affixes.some((affix) => affix(value));
  } else if (name === 'equals-ignore-case') {
    excluded = compileIgnoreCase(inner, here, true);
  } else if (name === 'wildcard') {
    excluded = compileWildcard(inner, here, true);
  } else {
    return fail(`Unsupported anything-but pattern: ${name}`, here);
  }
  return (value) => !excluded(value);
}

/** A string or a non-empty list of strings; `reason` otherwise. */
function stringOrStrings(argument: unknown, reason: string, path: string[]): string[] {
  if (typeof argument === 'string') return [argument];
  if (Array.isArray(argument) && argument.length > 0 && argument.every((v) => typeof v === 'string')) return argument as string[];
  throw new InvalidEventPatternError(reason, path);
}

function onlyString(argument: unknown, reason: string, path: string[]): string {
  if (typeof argument !== 'string') throw new InvalidEventPatternError(reason, path);
  return argument;
}

// ---------------------------------------------------------------- event side

/**
 * The value at a pattern key, with keys joined by dots as EventBridge joins them:
 * event keys that continue the key (`"state.status"` seen from `state`) form a nested
 * object, merged with the key's own object; a dotted pattern key (`state.status`) is
 * also looked up through the event's nesting (`{"state": {"status": ...}}`), arrays included.
 */
function fieldOf(node: unknown, key: string): unknown {
  if (!isPlainObject(node)) return undefined;
  let value: unknown = Object.hasOwn(node, key) ? node[key] : undefined;
  const continued = `${key}.`;
  let dotted: Record<string, unknown> | undefined;
  for (const k of Object.keys(node)) if (k.startsWith(continued)) (dotted ??= {})[k.slice(continued.length)] = node[k];
  if (dotted && (value === undefined || isPlainObject(value))) value = { ...(value as object | undefined), ...dotted };
  for (let dot = key.indexOf('.'); value === undefined && dot > 0; dot = key.indexOf('.', dot + 1)) {
    const head = key.slice(0, dot);
    if (Object.hasOwn(node, head)) value = throughArrays(node[head], key.slice(dot + 1));
  }
  return value;
}

/** `fieldOf` of each element when `node` is an array (the values found, in order), else of `node`. */
function throughArrays(node: unknown, key: string): unknown {
  if (!Array.isArray(node)) return fieldOf(node, key);
  const found = node
    .flat(Infinity)
    .map((element) => fieldOf(element, key))
    .filter((v) => v !== undefined);
  return found.length > 0 ? found : undefined;
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
