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

/** Deletes them from the emulators (a bucket is emptied first). */
export async function deleteDataResources(
  resources: readonly StackResource[],
  endpoints: ProvisionEndpoints,
  region: string,
): Promise<void> {
  if (resources.length === 0) return;
  const dynamodb = new DynamoDBClient({ endpoint: endpoints.dynamodb, region, credentials: CREDENTIALS });
  const kinesis = new KinesisClient({
    endpoint: endpoints.kinesis,
    region,
    credentials: CREDENTIALS,
    requestHandler: new NodeHttpHandler(),
  });
  const s3 = new S3Client({
    endpoint: endpoints.s3,
    region,
    credentials: CREDENTIALS,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  try {
    for (const r of resources) {
      if (r.type === 'AWS::Kinesis::Stream') await kinesis.send(new DeleteStreamCommand({ StreamName: r.physicalId }));
      else if (r.type === 'AWS::S3::Bucket') await deleteBucket(s3, r.physicalId);
      else await dynamodb.send(new DeleteTableCommand({ TableName: r.physicalId }));
    }
  } finally {
    dynamodb.destroy();
    kinesis.destroy();
    s3.destroy();
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
