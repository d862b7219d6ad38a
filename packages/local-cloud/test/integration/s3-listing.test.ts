/**
 * ListObjectsV2 pagination on the local cloud's S3 (s3rver) under Node 20:
 * s3rver's own DES continuation tokens fail on OpenSSL 3, so every truncated
 * page was a 500 (see src/s3/s3rver-patches.ts).
 */
import {
  CreateBucketCommand,
  ListObjectsV2Command,
  paginateListObjectsV2,
  PutObjectCommand,
  S3Client,
  type ListObjectsV2CommandOutput,
} from '@aws-sdk/client-s3';
import { startEmulators, type Emulators } from '../../src/emulators';

const bucket = 'listing';
// Not in order, and with what s3rver's own token format could not carry (a slash, a space, a newline).
const keys = ['g', 'a/1.json', 'c d', 'b\nline', 'e', 'f/2', 'a/0.json'];
const sorted = [...keys].sort();

let emulators: Emulators;
let s3: S3Client;

beforeAll(async () => {
  emulators = await startEmulators({ host: '127.0.0.1' });
  s3 = new S3Client({
    endpoint: emulators.s3,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    forcePathStyle: true,
  });
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  for (const key of keys) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
});

afterAll(async () => {
  s3?.destroy();
  await emulators?.stop();
});

const keysOf = (page: ListObjectsV2CommandOutput) => (page.Contents ?? []).map((object) => object.Key);

describe('S3 ListObjectsV2 pagination', () => {
  it('pages through every key once, in order, following ContinuationToken', async () => {
    const pages: ListObjectsV2CommandOutput[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 3, ContinuationToken: token }));
      expect(page.ContinuationToken).toBe(token);
      pages.push(page);
      token = page.NextContinuationToken;
    } while (token && pages.length < 10);

    expect(pages.map(keysOf)).toEqual([sorted.slice(0, 3), sorted.slice(3, 6), sorted.slice(6)]);
    expect(pages.map((page) => [page.IsTruncated, page.KeyCount])).toEqual([
      [true, 3],
      [true, 3],
      [false, 1],
    ]);
  });

  it("serves the SDK's paginator, with a prefix", async () => {
    const listed: string[] = [];
    for await (const page of paginateListObjectsV2({ client: s3, pageSize: 1 }, { Bucket: bucket, Prefix: 'a/' })) {
      listed.push(...(page.Contents ?? []).map((object) => object.Key!));
    }
    expect(listed).toEqual(['a/0.json', 'a/1.json']);
  });

  it('starts after StartAfter, and goes on from there with a token', async () => {
    const first = await s3.send(new ListObjectsV2Command({ Bucket: bucket, StartAfter: 'b\nline', MaxKeys: 2 }));
    expect(first.StartAfter).toBe('b\nline');
    expect(keysOf(first)).toEqual(['c d', 'e']);
    expect(first.IsTruncated).toBe(true);

    const rest = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: first.NextContinuationToken }));
    expect(keysOf(rest)).toEqual(['f/2', 'g']);
    expect(rest.IsTruncated).toBe(false);
    expect(rest.NextContinuationToken).toBeUndefined();

    const untruncated = await s3.send(new ListObjectsV2Command({ Bucket: bucket, StartAfter: 'e' }));
    expect(keysOf(untruncated)).toEqual(['f/2', 'g']);
  });

  it('refuses a token from another bucket, or one it did not issue, as InvalidArgument', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'other' }));
    const first = await s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1 }));
    for (const token of [first.NextContinuationToken, 'not-a-token']) {
      await expect(s3.send(new ListObjectsV2Command({ Bucket: 'other', ContinuationToken: token }))).rejects.toMatchObject({
        name: 'InvalidArgument',
        $metadata: { httpStatusCode: 400 },
      });
    }
  });
});
