/**
 * CloudWatch Logs' filter pattern language, as FilterLogEvents applies it to each
 * event's message: terms (all must appear, case-sensitive), quoted phrases, `?term`
 * (at least one of the `?` terms), `-term` (none of them), `%regex%`, and JSON patterns
 * `{ $.level = "ERROR" }` with `=`, `!=`, `<`, `>`, `<=`, `>=`, `*` wildcards in strings,
 * `IS TRUE|FALSE|NULL`, `NOT EXISTS`, `&&`, `||` and parentheses. Space-delimited
 * patterns (`[ip, user, ...]`) are refused, never matched loosely.
 */
import { AwsError } from '../protocol/errors';

export type Matcher = (message: string) => boolean;

export function invalidPattern(reason: string): AwsError {
  return new AwsError('InvalidParameterException', `Invalid filter pattern: ${reason}`);
}

/** Compiles a filter pattern; an empty one matches every event. Throws `InvalidParameterException`. */
export function compileFilterPattern(pattern: string | undefined): Matcher {
  const text = (pattern ?? '').trim();
  if (text === '' || text === '""') return () => true;
  if (text.startsWith('{')) return compileJson(text);
  if (text.startsWith('[')) {
    throw new AwsError(
      'InvalidParameterException',
      'The local cloud does not emulate space-delimited filter patterns ([field, ...]); use terms or a JSON pattern',
    );
  }
  if (text.startsWith('%') && text.endsWith('%') && text.length > 2) {
    let regex: RegExp;
    try {
      regex = new RegExp(text.slice(1, -1));
    } catch (error) {
      throw invalidPattern(String(error));
    }
    return (message) => regex.test(message);
  }
  return compileTerms(text);
}

function compileTerms(text: string): Matcher {
  const all: string[] = [];
  const any: string[] = [];
  const none: string[] = [];
  const token = /([?-]?)(?:"((?:[^"\\]|\\.)*)"|(\S+))/g;
  for (const match of text.matchAll(token)) {
    const term = match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : match[3]!;
    if (match[1] === '?') any.push(term);
    else if (match[1] === '-') none.push(term);
    else all.push(term);
  }
  return (message) =>
    all.every((t) => message.includes(t)) &&
    !none.some((t) => message.includes(t)) &&
    (any.length === 0 || any.some((t) => message.includes(t)));
}

// ---------------------------------------------------------------- JSON patterns

type Node = { kind: 'and' | 'or'; left: Node; right: Node } | { kind: 'test'; test: (event: unknown) => boolean };

function compileJson(text: string): Matcher {
  if (!text.endsWith('}')) throw invalidPattern('a JSON pattern must end with }');
  const tokens = tokenize(text.slice(1, -1));
  let at = 0;
  const peek = () => tokens[at];
  const next = () => {
    const t = tokens[at++];
    if (t === undefined) throw invalidPattern('unexpected end of pattern');
    return t;
  };
  const parseOr = (): Node => {
    let left = parseAnd();
    while (peek() === '||') {
      at++;
      left = { kind: 'or', left, right: parseAnd() };
    }
    return left;
  };
  const parseAnd = (): Node => {
    let left = parseUnary();
    while (peek() === '&&') {
      at++;
      left = { kind: 'and', left, right: parseUnary() };
    }
    return left;
  };
  const parseUnary = (): Node => {
    if (peek() === '(') {
      at++;
      const inner = parseOr();
      if (next() !== ')') throw invalidPattern('missing )');
      return inner;
    }
    return parseComparison(next, peek, () => at++);
  };
  const tree = parseOr();
  if (at !== tokens.length) throw invalidPattern(`unexpected "${tokens[at]}"`);
  return (message) => {
    const start = message.indexOf('{');
    if (start < 0) return false;
    let event: unknown;
    try {
      event = JSON.parse(message.slice(start));
    } catch {
      return false;
    }
    return evaluate(tree, event);
  };
}

function evaluate(node: Node, event: unknown): boolean {
  if (node.kind === 'test') return node.test(event);
  return node.kind === 'and'
    ? evaluate(node.left, event) && evaluate(node.right, event)
    : evaluate(node.left, event) || evaluate(node.right, event);
}

function tokenize(body: string): string[] {
  const tokens: string[] = [];
  const re = /\s*("(?:[^"\\]|\\.)*"|&&|\|\||!=|<=|>=|=|<|>|\(|\)|[^\s()=<>!&|"]+)/gy;
  let match: RegExpExecArray | null;
  let end = 0;
  while ((match = re.exec(body)) !== null) {
    tokens.push(match[1]!);
    end = re.lastIndex;
  }
  if (body.slice(end).trim() !== '') throw invalidPattern(`cannot read "${body.slice(end).trim()}"`);
  return tokens;
}

const OPERATORS = new Set(['=', '!=', '<', '>', '<=', '>=']);

function parseComparison(next: () => string, peek: () => string | undefined, skip: () => void): Node {
  const selector = next();
  if (!selector.startsWith('$')) throw invalidPattern(`expected a selector like $.field, got "${selector}"`);
  const select = selectorOf(selector);
  const word = peek()?.toUpperCase();
  if (word === 'IS') {
    skip();
    const what = next().toUpperCase();
    if (what === 'TRUE') return test((e) => select(e) === true);
    if (what === 'FALSE') return test((e) => select(e) === false);
    if (what === 'NULL') return test((e) => select(e) === null);
    throw invalidPattern(`IS ${what}`);
  }
  if (word === 'NOT') {
    skip();
    if (next().toUpperCase() !== 'EXISTS') throw invalidPattern('expected NOT EXISTS');
    return test((e) => select(e) === undefined);
  }
  const operator = next();
  if (!OPERATORS.has(operator)) throw invalidPattern(`expected a comparison after ${selector}, got "${operator}"`);
  const raw = next();
  const quoted = raw.startsWith('"');
  const value = quoted ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
  const number = !quoted && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(value) ? Number(value) : undefined;
  if (number !== undefined) {
    return test((e) => {
      const actual = select(e);
      if (typeof actual !== 'number') return false;
      return compareNumbers(actual, operator, number);
    });
  }
  if (operator !== '=' && operator !== '!=') throw invalidPattern(`${operator} compares numbers only`);
  const wildcard = new RegExp(`^${value.split('*').map(escapeRegex).join('.*')}$`);
  return test((e) => {
    const actual = select(e);
    const matches =
      typeof actual === 'string' ? wildcard.test(actual) : actual !== undefined && actual !== null && wildcard.test(String(actual));
    return operator === '=' ? matches : actual !== undefined && !matches;
  });
}

function compareNumbers(actual: number, operator: string, expected: number): boolean {
  switch (operator) {
    case '=':
      return actual === expected;
    case '!=':
      return actual !== expected;
    case '<':
      return actual < expected;
    case '>':
      return actual > expected;
    case '<=':
      return actual <= expected;
    default:
      return actual >= expected;
  }
}

function test(fn: (event: unknown) => boolean): Node {
  return { kind: 'test', test: fn };
}

/** `$.a.b[0].c` as a function of the parsed event. */
function selectorOf(selector: string): (event: unknown) => unknown {
  const path: (string | number)[] = [];
  const re = /\.([^.[\]]+)|\[(\d+)\]/g;
  const rest = selector.slice(1);
  let consumed = 0;
  for (const match of rest.matchAll(re)) {
    if (match.index !== consumed) throw invalidPattern(`bad selector ${selector}`);
    path.push(match[1] !== undefined ? match[1] : Number(match[2]));
    consumed = match.index + match[0].length;
  }
  if (consumed !== rest.length || path.length === 0) throw invalidPattern(`bad selector ${selector}`);
  return (event) => {
    let node: unknown = event;
    for (const key of path) {
      if (node === null || typeof node !== 'object') return undefined;
      node = (node as Record<string | number, unknown>)[key];
    }
    return node;
  };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
