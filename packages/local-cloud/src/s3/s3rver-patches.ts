/**
 * Fixes to s3rver 3.7.1 that the local cloud applies at startup, in process,
 * without touching node_modules.
 */
import { Buffer } from 'node:buffer';
import AWSAccount from 's3rver/lib/models/account';

/** The parts of s3rver's Koa context the ListObjects patch reads or writes. */
interface ListContext {
  params: { bucket: string };
  query: Record<string, string | string[] | undefined>;
  querystring: string;
  store: ObjectStore;
  body?: { ListBucketResult?: Record<string, unknown> };
}

interface ObjectStore {
  listObjects(bucket: string, options: { startAfter?: string }): Promise<{ objects: Array<{ key: string }>; isTruncated?: boolean }>;
}

interface BucketController {
  getBucket(ctx: ListContext): Promise<void>;
}

type S3ErrorClass = new (code: string, message: string, detail?: Record<string, string>) => Error;

// s3rver ships no typings and src/vendor.d.ts declares only its public surface.
const bucketController: BucketController = require('s3rver/lib/controllers/bucket');
const S3Error: S3ErrorClass = require('s3rver/lib/models/error');

let continuationTokensPatched = false;

/**
 * Makes truncated ListObjectsV2 pages work on Node 20 (OpenSSL 3).
 *
 * Why: s3rver encrypts its continuation tokens with single DES
 * (`lib/controllers/bucket.js`, `generateContinuationToken` and
 * `decipherContinuationToken`, `crypto.createCipheriv('des', …)`), a cipher
 * OpenSSL 3 only has in its legacy provider. So every ListObjectsV2 page that
 * is truncated (more than 1,000 keys, or more than `MaxKeys`) failed with a
 * 500, and so would any request that sends a token back.
 *
 * Those two functions are private to the module, so this wraps its exported
 * `getBucket` (the router looks it up per request) for `list-type=2` only:
 * - an incoming token is decoded here and taken out of the query, so s3rver
 *   never deciphers it; its key becomes the listing's start-after;
 * - s3rver is told the page is not truncated, so it never enciphers one; the
 *   reply then gets back `IsTruncated`, a `NextContinuationToken` of ours and
 *   the request's `ContinuationToken`.
 *
 * Tokens stay opaque to clients, as on AWS, but need no secrecy: a token is
 * base64url JSON of the bucket and the last key returned. A token for another
 * bucket, or one that does not decode, is refused with InvalidArgument (400),
 * like s3rver's own check. ListObjects (v1) and its markers are untouched.
 */
export function fixS3rverContinuationTokens(): void {
  if (continuationTokensPatched) return;
  continuationTokensPatched = true;
  const getBucket = bucketController.getBucket.bind(bucketController);
  bucketController.getBucket = async (ctx) => {
    if (ctx.query['list-type'] !== '2') return getBucket(ctx);
    const token = ctx.query['continuation-token'];
    const resumeAfter = typeof token === 'string' && token !== '' ? decodeContinuationToken(token, ctx.params.bucket) : undefined;

    const querystring = ctx.querystring;
    const { ['continuation-token']: _omitted, ...query } = ctx.query;
    ctx.query = query;
    const store = ctx.store;
    let last: { key: string } | undefined;
    ctx.store = Object.create(store, {
      listObjects: {
        value: async (bucket: string, options: { startAfter?: string }) => {
          const result = await store.listObjects(bucket, resumeAfter === undefined ? options : { ...options, startAfter: resumeAfter });
          last = result.isTruncated ? result.objects.at(-1) : undefined;
          return { ...result, isTruncated: false };
        },
      },
    });
    try {
      await getBucket(ctx);
    } finally {
      ctx.querystring = querystring;
      delete (ctx as Partial<ListContext>).store;
    }

    const listing = ctx.body?.ListBucketResult;
    if (!listing) return;
    if (resumeAfter !== undefined) listing.ContinuationToken = token;
    listing.IsTruncated = last !== undefined;
    listing.NextContinuationToken = last && encodeContinuationToken(ctx.params.bucket, last.key);
  };
}

function encodeContinuationToken(bucket: string, lastKey: string): string {
  return Buffer.from(JSON.stringify({ bucket, lastKey }), 'utf8').toString('base64url');
}

/** The key to resume after, or InvalidArgument as s3rver answers a wrong token. */
function decodeContinuationToken(token: string, bucket: string): string {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  const { bucket: tokenBucket, lastKey } = (decoded ?? {}) as { bucket?: unknown; lastKey?: unknown };
  if (tokenBucket !== bucket || typeof lastKey !== 'string') {
    throw new S3Error('InvalidArgument', 'The continuation token provided is incorrect', { ArgumentName: 'continuation-token' });
  }
  return lastKey;
}

let s3KeysPatched = false;

/**
 * s3rver knows one access key (`S3RVER`) and answers InvalidAccessKeyId to any
 * other, while it does not verify SigV4 signatures at all. Make every key id
 * known, so clients with any credentials (LocalStack's `test`, a developer's
 * real profile) work, as on LocalStack.
 */
export function acceptAnyS3AccessKey(): void {
  if (s3KeysPatched) return;
  s3KeysPatched = true;
  const registry = AWSAccount.registry;
  const get = registry.get.bind(registry);
  registry.get = (accessKeyId: string) => {
    if (!registry.has(accessKeyId)) AWSAccount.DUMMY_ACCOUNT.createKeyPair(accessKeyId, accessKeyId);
    return get(accessKeyId);
  };
}
