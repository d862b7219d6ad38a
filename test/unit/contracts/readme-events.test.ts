import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as z from 'zod/mini';
import { DETAIL_TYPES, EVENTS } from '../../../contracts/events';

/**
 * README.md's "Events" table is documentation of #contracts/events: each row's
 * detail-type, source and data fields must be what the contract says, and every
 * event must have exactly one row.
 */

interface Row {
  readonly detailType: string;
  readonly source: string;
  readonly data: string;
}

/** The rows of the table under `## Events`: the first code span of each of the first three cells. */
function eventsTable(markdown: string): Row[] {
  const section = markdown.split(/^## /m).find((part) => part.startsWith('Events\n'));
  if (!section) throw new Error('README.md has no "## Events" section');
  const rows = section
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .slice(2) // the header and the |---| line
    .map((line) => splitCells(line));
  return rows.map(([detailType = '', source = '', data = '']) => ({
    detailType: firstCode(detailType),
    source: firstCode(source),
    data: firstCode(data),
  }));
}

/** The cells of a table row (`|` inside a code span does not split). */
function splitCells(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let inCode = false;
  for (const char of line.trim().slice(1, -1)) {
    if (char === '`') inCode = !inCode;
    if (char === '|' && !inCode) {
      cells.push(cell.trim());
      cell = '';
    } else cell += char;
  }
  cells.push(cell.trim());
  return cells;
}

function firstCode(cell: string): string {
  return /`([^`]*)`/.exec(cell)?.[1] ?? cell;
}

type Schema = z.ZodMiniType & { _zod: { def: { type: string; shape?: Record<string, Schema>; element?: Schema; innerType?: Schema } } };

/** `orderId, lines[{sku, quantity}], paymentId?`: an object schema's fields as the README writes them. */
export function fieldsOf(schema: Schema): string {
  return Object.entries(schema._zod.def.shape ?? {})
    .map(([name, field]) => {
      const optional = field._zod.def.type === 'optional';
      const inner = optional ? field._zod.def.innerType! : field;
      const nested =
        inner._zod.def.type === 'array' && inner._zod.def.element!._zod.def.type === 'object'
          ? `[{${fieldsOf(inner._zod.def.element!)}}]`
          : '';
      return `${name}${nested}${optional ? '?' : ''}`;
    })
    .join(', ');
}

const normalise = (fields: string) =>
  fields
    .replace(/\s+/g, ' ')
    .replace(/\s*,\s*/g, ', ')
    .trim();

const rows = eventsTable(readFileSync(join(__dirname, '../../../README.md'), 'utf8'));

describe("README.md's Events table", () => {
  it('has one row per event of the contract, in the same order', () => {
    expect(rows.map((row) => row.detailType)).toEqual(DETAIL_TYPES);
  });

  it.each(DETAIL_TYPES)('%s: the source and the data fields are those of the contract', (detailType) => {
    const row = rows.find((r) => r.detailType === detailType);
    expect(row).toBeDefined();
    expect(row!.source).toBe(EVENTS[detailType].source);
    expect(normalise(row!.data)).toBe(fieldsOf(EVENTS[detailType].data as unknown as Schema));
  });
});

describe('the table parser (so that a difference is caught)', () => {
  const markdown = [
    '## Events',
    '',
    '| detail-type | source | data | consumers |',
    '|---|---|---|---|',
    '| `OrderPlaced` | `commerce.orders` (a note with `code`) | `orderId, lines[{sku, quantity}]` | inventory |',
    '',
    '## Next',
  ].join('\n');

  it('reads the first code span of the first three cells', () => {
    expect(eventsTable(markdown)).toEqual([
      { detailType: 'OrderPlaced', source: 'commerce.orders', data: 'orderId, lines[{sku, quantity}]' },
    ]);
  });

  it('differs from the contract when a field is missing or renamed', () => {
    const documented = normalise(eventsTable(markdown)[0]!.data);
    expect(documented).not.toBe(fieldsOf(EVENTS.OrderPlaced.data as unknown as Schema));
  });
});
