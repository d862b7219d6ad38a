import type * as z from 'zod/mini';
import { type Problem, ValidationError } from './errors';

/**
 * zod issues as the API's problems: one `{ path, message }` per field, in
 * plain English. A field that breaks several checks gets one problem whose
 * message joins them ("must be at most 254 characters and must be a valid
 * email"); of two bounds on one field only the tighter is told (`z.int()`'s
 * safe-integer bound never hides the schema's own maximum); counts are singular
 * when they are one ("at least 1 character").
 */
type Issue = z.core.$ZodIssue;

/** A human sentence for one zod issue; zod/mini ships no messages of its own. */
function describe(issue: Issue, input: unknown): string {
  // A message written in the schema wins; zod/mini's own default is only "Invalid input".
  if (issue.message && issue.message !== 'Invalid input') return issue.message;
  switch (issue.code) {
    case 'invalid_type':
      return input === undefined ? 'is required' : `must be ${article(TYPE_NAMES[issue.expected] ?? issue.expected)}`;
    case 'invalid_format':
      return issue.format === 'regex' ? 'does not have the expected format' : `must be a valid ${issue.format}`;
    case 'too_small':
      return issue.origin === 'string'
        ? `must be at least ${count(issue.minimum, 'character')}`
        : issue.origin === 'array'
          ? `must have at least ${count(issue.minimum, 'item')}`
          : `must be ${issue.inclusive ? 'at least' : 'greater than'} ${issue.minimum}`;
    case 'too_big':
      return issue.origin === 'string'
        ? `must be at most ${count(issue.maximum, 'character')}`
        : issue.origin === 'array'
          ? `must have at most ${count(issue.maximum, 'item')}`
          : `must be ${issue.inclusive ? 'at most' : 'less than'} ${issue.maximum}`;
    case 'invalid_value':
      return `must be one of: ${issue.values.map(String).join(', ')}`;
    case 'unrecognized_keys':
      return `has unknown fields: ${issue.keys.join(', ')}`;
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    default:
      return 'is not valid';
  }
}

/** zod's names of expected types, as a sentence says them. */
const TYPE_NAMES: Readonly<Record<string, string>> = { int: 'integer', nan: 'number' };

function count(n: number | bigint, noun: string): string {
  return `${n} ${noun}${Number(n) === 1 ? '' : 's'}`;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** Every problem zod found, one per path, as `{ path, message }` with a dotted path (`lines.0.sku`). */
export function problemsOf(error: z.core.$ZodError, input: unknown, prefix = ''): Problem[] {
  const byPath = new Map<string, Issue[]>();
  for (const issue of error.issues) {
    const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.') || '(body)';
    byPath.set(path, [...(byPath.get(path) ?? []), issue]);
  }
  return [...byPath].map(([path, issues]) => {
    const messages = tightest(issues).map((issue) => describe(issue, valueAt(input, issue.path)));
    return { path, message: [...new Set(messages)].join(' and ') };
  });
}

/** The issues of one path with, of several `too_big` (or `too_small`) bounds, only the tightest. */
function tightest(issues: readonly Issue[]): Issue[] {
  const big = issues.filter((i): i is z.core.$ZodIssueTooBig => i.code === 'too_big');
  const small = issues.filter((i): i is z.core.$ZodIssueTooSmall => i.code === 'too_small');
  const maxOf = big.reduce<Issue | undefined>((a, b) => (a && Number((a as typeof b).maximum) <= Number(b.maximum) ? a : b), undefined);
  const minOf = small.reduce<Issue | undefined>((a, b) => (a && Number((a as typeof b).minimum) >= Number(b.minimum) ? a : b), undefined);
  return issues.filter((i) => (i.code !== 'too_big' || i === maxOf) && (i.code !== 'too_small' || i === minOf));
}

/** Parses `input` or throws a ValidationError that lists every problem at once. */
export function validate<S extends z.ZodMiniType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new ValidationError(problemsOf(result.error, input));
  return result.data;
}
