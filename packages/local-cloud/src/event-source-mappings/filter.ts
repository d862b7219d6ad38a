/**
 * `FilterCriteria` of an event source mapping, as Lambda applies them: each
 * `Filters[].Pattern` is an EventBridge event pattern (compiled by the one
 * engine of eventbridge/pattern.ts); a record is delivered when any pattern
 * matches it. What a pattern sees, per source (Lambda's developer guide,
 * "Control which events Lambda sends to your function"):
 * - SQS: the record as the function gets it, `body` parsed when it is JSON
 *   (a plain-text body stays a string, so only string rules can match it);
 * - Kinesis: the `kinesis` object of the record (`partitionKey`,
 *   `sequenceNumber`...), `data` base64-decoded and parsed when it is JSON;
 * - DynamoDB streams: the record as is (`eventName`, `dynamodb.NewImage`...).
 * Pure: no I/O.
 */
import { compileEventPattern, type CompiledEventPattern } from '../eventbridge/pattern';

/** Lambda's default quota: five filters per mapping (ten on request). */
const MAX_FILTERS = 10;

/** Compiles the template's `FilterCriteria`; throws with the reason when a pattern is not valid (Lambda refuses the mapping). */
export function compileFilters(criteria: unknown): CompiledEventPattern[] {
  if (criteria === undefined || criteria === null) return [];
  const filters = (criteria as { Filters?: unknown }).Filters;
  if (filters === undefined) return [];
  if (!Array.isArray(filters)) throw new Error('Filters must be a list');
  if (filters.length > MAX_FILTERS) throw new Error(`at most ${MAX_FILTERS} filters per event source mapping`);
  return filters.map((filter: { Pattern?: unknown }) => {
    const pattern = filter?.Pattern;
    if (typeof pattern !== 'string' && (typeof pattern !== 'object' || pattern === null)) throw new Error('a filter has no Pattern');
    return compileEventPattern(pattern);
  });
}

/** Whether a record of this source passes the filters (always, when there are none). */
export function passesFilters(
  filters: readonly CompiledEventPattern[],
  source: 'sqs' | 'kinesis' | 'dynamodb',
  record: Record<string, unknown>,
): boolean {
  if (filters.length === 0) return true;
  const view = filterView(source, record);
  return filters.some((filter) => filter.matches(view));
}

/** The document a pattern is matched against, per source. */
export function filterView(source: 'sqs' | 'kinesis' | 'dynamodb', record: Record<string, unknown>): unknown {
  if (source === 'sqs') return { ...record, body: parsedOrText(String(record.body ?? '')) };
  if (source === 'kinesis') {
    const kinesis = (record.kinesis ?? {}) as Record<string, unknown>;
    const text = Buffer.from(String(kinesis.data ?? ''), 'base64').toString('utf8');
    return { ...kinesis, data: parsedOrText(text) };
  }
  return record;
}

function parsedOrText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
