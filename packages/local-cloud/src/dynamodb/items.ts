/**
 * Items as DynamoDB's JSON protocol carries them, and what the layer computes
 * from them: keys, identities, equality by value, sizes and consumed capacity.
 */

/** An attribute value as DynamoDB's JSON protocol carries it (`{ S: "x" }`, `{ B: "<base64>" }`...). */
export type WireAttributeValue = Record<string, unknown>;
/** An item (or key) as DynamoDB's JSON protocol carries it. */
export type WireItem = Record<string, WireAttributeValue>;

/** One element of a table's key schema, as DescribeTable and DescribeStream give it. */
export interface KeySchemaElement {
  readonly AttributeName: string;
  readonly KeyType: 'HASH' | 'RANGE';
}

/** The key attributes of an item, in key schema order (missing ones are left out: dynalite reports them). */
export function keyOf(item: Readonly<Record<string, unknown>>, schema: readonly KeySchemaElement[]): WireItem {
  const key: WireItem = {};
  for (const { AttributeName } of schema)
    if (item[AttributeName] !== undefined) key[AttributeName] = item[AttributeName] as WireAttributeValue;
  return key;
}

export function itemId(tableName: string, key: WireItem): string {
  return `${tableName}\u0000${canonicalJson(Object.fromEntries(Object.entries(key).sort(([a], [b]) => (a < b ? -1 : 1))))}`;
}

/**
 * Approximate ConsumedCapacity of a transaction: two units per KB (rounded
 * up) of each item touched, grouped by table, as AWS bills transactional work.
 */
export function consumedCapacity(mode: unknown, touched: ReadonlyArray<{ table: string; item: WireItem }>): Record<string, unknown> {
  if (mode !== 'TOTAL' && mode !== 'INDEXES') return {};
  const byTable = new Map<string, number>();
  for (const { table, item } of touched) byTable.set(table, (byTable.get(table) ?? 0) + 2 * Math.max(1, Math.ceil(itemSize(item) / 1024)));
  return {
    ConsumedCapacity: [...byTable].map(([TableName, units]) => ({
      TableName,
      CapacityUnits: units,
      ...(mode === 'INDEXES' ? { Table: { CapacityUnits: units } } : {}),
    })),
  };
}

/** JSON with object keys sorted: equal requests give equal strings. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isObject(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Same item by value: attribute order and set member order do not matter, as for DynamoDB. */
export function sameItem(a: WireItem, b: WireItem): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
    return `{${entries
      .map(([k, v]) => {
        if ((k === 'SS' || k === 'NS' || k === 'BS') && Array.isArray(v)) {
          const members = v.map((m) => (k === 'NS' ? normaliseNumber(String(m)) : String(m))).sort();
          return `${JSON.stringify(k)}:${JSON.stringify(members)}`;
        }
        if (k === 'N' && typeof v === 'string') return `"N":${JSON.stringify(normaliseNumber(v))}`;
        return `${JSON.stringify(k)}:${canonical(v)}`;
      })
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A canonical form of a DynamoDB number (`1`, `1.0`, `+01` and `10e-1` are one number). */
function normaliseNumber(n: string): string {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(n.trim());
  if (!match) return n;
  const [, sign, int = '', frac = '', exp = '0'] = match;
  const all = int + frac;
  const significant = all.replace(/^0+/, '');
  if (!significant) return '0';
  const point = Number(exp) + int.length - (all.length - significant.length);
  return `${sign === '-' ? '-' : ''}0.${significant.replace(/0+$/, '')}e${point}`;
}

/**
 * Approximate size in bytes of an item as DynamoDB counts it: attribute names
 * plus values (strings and binaries by their bytes, numbers by about one byte
 * per two digits, lists and maps with 3 bytes of overhead plus their members).
 */
export function itemSize(item: WireItem | undefined): number {
  if (!item) return 0;
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += Buffer.byteLength(name, 'utf8') + valueSize(value);
  return size;
}

function valueSize(value: WireAttributeValue): number {
  const [type, v] = Object.entries(value)[0] ?? [];
  switch (type) {
    case 'S':
      return Buffer.byteLength(String(v), 'utf8');
    case 'N':
      return numberSize(String(v));
    case 'B':
      return Buffer.from(String(v), 'base64').length;
    case 'BOOL':
    case 'NULL':
      return 1;
    case 'SS':
      return (v as string[]).reduce((n, s) => n + Buffer.byteLength(s, 'utf8'), 0);
    case 'NS':
      return (v as string[]).reduce((n, s) => n + numberSize(s), 0);
    case 'BS':
      return (v as string[]).reduce((n, s) => n + Buffer.from(s, 'base64').length, 0);
    case 'L':
      return 3 + (v as WireAttributeValue[]).reduce((n, m) => n + 1 + valueSize(m), 0);
    case 'M':
      return 3 + Object.entries(v as WireItem).reduce((n, [k, m]) => n + 1 + Buffer.byteLength(k, 'utf8') + valueSize(m), 0);
    default:
      return 0;
  }
}

function numberSize(n: string): number {
  const digits = n.replace(/[^0-9]/g, '').replace(/^0+/, '') || '0';
  return Math.ceil(digits.length / 2) + 1;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
