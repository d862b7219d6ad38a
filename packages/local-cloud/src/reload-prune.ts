/**
 * What a reload removes from the emulators: the tables, streams and buckets
 * of the previous version of the stack that the new version no longer has (as
 * CloudFormation deletes a resource removed from the template). Everything
 * else keeps its data; provision.ts creates what is new.
 */
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteStreamCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { DeleteBucketCommand, DeleteObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { ProvisionEndpoints } from './provision';
import type { LocalStack, StackResource } from './types';

const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
const DATA_TYPES = ['AWS::DynamoDB::Table', 'AWS::DynamoDB::GlobalTable', 'AWS::Kinesis::Stream', 'AWS::S3::Bucket'];

/** The data resources of `before` whose physical name `after` does not have. */
export function removedDataResources(before: LocalStack, after: LocalStack): StackResource[] {
  const kept = new Set(after.resources.filter((r) => DATA_TYPES.includes(r.type)).map((r) => `${r.type}|${r.physicalId}`));
  return before.resources.filter((r) => DATA_TYPES.includes(r.type) && !kept.has(`${r.type}|${r.physicalId}`));
}

/** Deletes them from the emulators (a bucket is emptied first), one client per service, created when first needed. */
export async function deleteDataResources(
  resources: readonly StackResource[],
  endpoints: ProvisionEndpoints,
  region: string,
): Promise<void> {
  const base = { region, credentials: CREDENTIALS };
  const clients: { destroy(): void }[] = [];
  const made = <T extends { destroy(): void }>(client: T): T => (clients.push(client), client);
  let dynamodb: DynamoDBClient | undefined;
  let kinesis: KinesisClient | undefined;
  let s3: S3Client | undefined;
  try {
    for (const r of resources) {
      if (r.type === 'AWS::Kinesis::Stream') {
        kinesis ??= made(new KinesisClient({ ...base, endpoint: endpoints.kinesis, requestHandler: new NodeHttpHandler() }));
        await kinesis.send(new DeleteStreamCommand({ StreamName: r.physicalId }));
      } else if (r.type === 'AWS::S3::Bucket') {
        s3 ??= made(new S3Client({ ...base, endpoint: endpoints.s3, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED' }));
        await deleteBucket(s3, r.physicalId);
      } else {
        dynamodb ??= made(new DynamoDBClient({ ...base, endpoint: endpoints.dynamodb }));
        await dynamodb.send(new DeleteTableCommand({ TableName: r.physicalId }));
      }
    }
  } finally {
    for (const client of clients) client.destroy();
  }
}

async function deleteBucket(s3: S3Client, bucket: string): Promise<void> {
  for (;;) {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    const keys = (page.Contents ?? []).map((o) => o.Key!);
    if (keys.length === 0) break;
    for (const key of keys) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  }
  await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
}
