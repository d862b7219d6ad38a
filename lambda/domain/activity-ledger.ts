/**
 * The ledger of one activity batch (one Idempotency-Key, the client's or one
 * the server minted): which of the request's events the stream took, how the
 * raw log is cut into parts, which parts are written and which events' stats
 * are. It is kept on the key's claim and changed only by conditional updates,
 * so that every attempt (the first, a resend, a resend after a crash) does only
 * what is still missing. Pure: the store applies the changes it plans.
 *
 * Guarantees:
 * - an event is streamed again only if no attempt recorded it as streamed (a
 *   crash between PutRecords and the record; consumers dedupe by event id);
 * - every streamed event is planned into exactly one raw-log part: a part is
 *   planned once, with the streamed events no earlier part holds, under a
 *   version condition, and its contents never change (a part is written again
 *   only as the same object: `IfNoneMatch`);
 * - the batch is complete when every streamed event is in a written part and
 *   has its stats item; nothing else is needed for a resend to be a no-op.
 * Events are named by their index in the request body (their ids derive from
 * the key, its first arrival and that index).
 */

export interface BatchLedger {
  /** Body indexes of the events the stream took. */
  readonly streamed: ReadonlySet<number>;
  /** The raw log's parts, part `n` holding `parts[n]` (body indexes, ascending). */
  readonly parts: readonly (readonly number[])[];
  /** Numbers of the parts whose object is written. */
  readonly logged: ReadonlySet<number>;
  /** Body indexes of the events whose stats item is written. */
  readonly counted: ReadonlySet<number>;
  /** Bumped by every planned part: the condition of the next plan. */
  readonly version: number;
}

export const EMPTY_LEDGER: BatchLedger = { streamed: new Set(), parts: [], logged: new Set(), counted: new Set(), version: 0 };

const ascending = (values: Iterable<number>): number[] => [...values].sort((a, b) => a - b);

/** The indexes (of `indexes`) still to send to the stream. */
export function toStream(ledger: BatchLedger, indexes: readonly number[]): number[] {
  return indexes.filter((index) => !ledger.streamed.has(index));
}

/** What recording `took` (indexes the stream just took) changes: the streamed events added, and a new part if any is unplanned. */
export interface StreamedChange {
  readonly took: readonly number[];
  /** The next part: every streamed event no part holds yet; undefined when none is left out. */
  readonly part?: readonly number[];
  /** The ledger after the change. */
  readonly next: BatchLedger;
}

export function recordStreamed(ledger: BatchLedger, took: readonly number[]): StreamedChange {
  const streamed = new Set([...ledger.streamed, ...took]);
  const planned = new Set(ledger.parts.flat());
  const unplanned = ascending([...streamed].filter((index) => !planned.has(index)));
  if (unplanned.length === 0) return { took, next: { ...ledger, streamed } };
  return {
    took,
    part: unplanned,
    next: { ...ledger, streamed, parts: [...ledger.parts, unplanned], version: ledger.version + 1 },
  };
}

/** Part numbers planned but not yet written. */
export function partsToWrite(ledger: BatchLedger): number[] {
  return ledger.parts.flatMap((_, n) => (ledger.logged.has(n) ? [] : [n]));
}

/** Streamed events whose stats item is not yet written. */
export function statsToWrite(ledger: BatchLedger): number[] {
  return ascending([...ledger.streamed].filter((index) => !ledger.counted.has(index)));
}

/** The ledger once `logged` parts and `counted` events are written. */
export function recordStored(
  ledger: BatchLedger,
  stored: { readonly logged: readonly number[]; readonly counted: readonly number[] },
): BatchLedger {
  return {
    ...ledger,
    logged: new Set([...ledger.logged, ...stored.logged]),
    counted: new Set([...ledger.counted, ...stored.counted]),
  };
}

/** Every streamed event in a written part and counted in the stats. */
export function isStored(ledger: BatchLedger): boolean {
  const planned = new Set(ledger.parts.flat());
  return [...ledger.streamed].every((index) => planned.has(index) && ledger.counted.has(index)) && partsToWrite(ledger).length === 0;
}
