import { createHash } from 'node:crypto';
import { KEY_PREFIX } from '#contracts/keys';
import { canonicalJson } from './canonical-json';

/**
 * The `Idempotency-Key` of the API, once for every endpoint that takes one
 * (`POST /orders`, `POST /orders/batch`, `POST /users/batch`, `POST /activity`):
 * the header's rule and message, the hash of the body a key is first used
 * with, the record that claims a key (a conditional write with a TTL) and the
 * ids derived from a key. Every route claims a key for its whole body (a batch
 * route then its items under `<key>#<index>`), so another body under a used
 * key is a 422 on every route, a part of an earlier batch included.
 * Pure: a store puts the claim in its own write (a transaction item for
 * orders, a single PutItem for activity).
 *
 * Guarantees: a key is 8–128 of `A-Za-z0-9._:-` (no `#`, so a derived
 * `<key>#<index>` never equals a client's key); the same body, however its
 * JSON is laid out, hashes the same; a claim succeeds once per key until its
 * TTL expires (`attribute_not_exists(pk)`); derived ids are the same for the
 * same key and position, every time.
 */

/** The header (as #shared/http looks headers up: lower case). */
export const IDEMPOTENCY_HEADER = 'idempotency-key';

/** What a client may send as a key. */
export const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{8,128}$/;

/** How long a key is remembered: a client's resends come within hours, not days. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;

/** The problem with a request's key, if any: absent (when `required`) or not matching the rule. */
export function idempotencyKeyProblem(
  key: string | undefined,
  { required }: { readonly required: boolean },
): { readonly path: string; readonly message: string } | undefined {
  if (key === undefined || (required && !key)) {
    return required ? { path: 'Idempotency-Key', message: 'header is required' } : undefined;
  }
  if (!IDEMPOTENCY_KEY.test(key)) return { path: 'Idempotency-Key', message: 'must be 8-128 letters, digits, ".", "_", ":" or "-"' };
  return undefined;
}

/** The hash stored with a key: SHA-256 of the body's canonical JSON (keys sorted), base64url. */
export function bodyHash(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body)).digest('base64url');
}

/**
 * The conditional Put that claims `key` in `tableName`: `IDEMPOTENCY#<key>`
 * (with sort key `sk` when the table has one), the `attributes` to remember
 * (the body hash...), and `expiresAt` a TTL after `at`. It fails its condition
 * when the key is claimed and the claim has not expired; read the claim then
 * and `compareClaim` it.
 */
export function claimRecord(
  tableName: string,
  key: string,
  attributes: Readonly<Record<string, unknown>> & { readonly bodyHash: string },
  at: Date,
  sk?: string,
) {
  const now = Math.floor(at.getTime() / 1000);
  return {
    TableName: tableName,
    Item: { ...claimKey(key, sk), ...attributes, expiresAt: now + IDEMPOTENCY_TTL_SECONDS },
    // An expired claim that DynamoDB's TTL has not deleted yet (it may take days) counts as absent:
    // a key's lifetime is its TTL, exactly, whether or not the item is still there.
    ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
    ExpressionAttributeValues: { ':now': now },
  };
}

/** The key of a claim's item. */
export function claimKey(key: string, sk?: string): { pk: string; sk?: string } {
  return sk === undefined ? { pk: `${KEY_PREFIX.idempotency}${key}` } : { pk: `${KEY_PREFIX.idempotency}${key}`, sk };
}

/**
 * What a key already claimed means for a request with `bodyHash`: the stored
 * claim when the bodies are the same (a resend), `key-reused` when not. A
 * claim that cannot be read although its write was refused is an error.
 */
export function compareClaim<T extends Record<string, unknown>>(
  stored: T | undefined,
  bodyHash: string,
): { readonly kind: 'resent'; readonly claim: T } | { readonly kind: 'key-reused' } {
  if (!stored) throw new Error('Idempotency key vanished between its conditional write and its read');
  return stored.bodyHash === bodyHash ? { kind: 'resent', claim: stored } : { kind: 'key-reused' };
}

/** The key under which item `index` of a request with key `key` is claimed (e.g. one order of a batch). */
export const itemKey = (key: string, index: number): string => `${key}#${index}`;

/**
 * A name-based id in the UUID layout (RFC 9562 version 8, custom): the first
 * 128 bits of SHA-256 of `scope`, the key and `name`, with the version and
 * variant bits set. The same key and name always give the same id, so a resent
 * request's ids are the ones of its first arrival; ids look like random ones.
 */
export function derivedId(scope: string, key: string, name: string): string {
  const bytes = createHash('sha256').update(`${scope}\n${key}\n${name}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The key as stored and derived from: the caller's scope (`user:<sub>`,
 * `client:<id>`) and the client's key, joined by `|`, which no client key
 * contains. The same key sent by another caller is another key: it never
 * replays, blocks or reveals the first caller's result.
 */
export const scopedKey = (callerScope: string, key: string): string => `${callerScope}|${key}`;
