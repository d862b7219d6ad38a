/**
 * "Deploys" the data resources of a stack onto the emulators: DynamoDB tables,
 * S3 buckets and Kinesis streams, with the physical names the assembly gave
 * them. Everything of a resource's definition the emulators cannot honour is
 * reported, never silently dropped.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { createTable, globalTableInput, tableInput } from './dynamodb/provision';
import { createStream } from './kinesis/provision';
import type { ProvisionOutcome } from './provision-support';
import { createBucket } from './s3/provision';
import type { LocalStack, StackResource } from './types';

/** Base URLs of the emulators (or of the edge, which forwards to them). */
export interface ProvisionEndpoints {
  readonly dynamodb: string;
  readonly kinesis: string;
  readonly s3: string;
}

export interface ProvisionedResource {
  readonly logicalId: string;
  readonly type: string;
  readonly physicalId: string;
  /** `existing` when a kept `--data-dir` already had it (left as it was). */
  readonly outcome: ProvisionOutcome;
}

/** A property of a provisioned resource that the local cloud does not honour. */
export interface NotEmulatedFeature {
  readonly logicalId: string;
  readonly type: string;
  /** Template property, e.g. `TimeToLiveSpecification`. */
  readonly feature: string;
  /** What differs locally. */
  readonly detail: string;
}

export interface ProvisionResult {
  readonly created: readonly ProvisionedResource[];
  readonly notEmulated: readonly NotEmulatedFeature[];
}

/** Resource types `provision` creates. */
export const PROVISIONED_TYPES = ['AWS::DynamoDB::Table', 'AWS::DynamoDB::GlobalTable', 'AWS::S3::Bucket', 'AWS::Kinesis::Stream'] as const;

const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/**
 * Creates every table, global table, bucket and stream of `stack` on the
 * emulators and waits until each is ACTIVE. Idempotent: what already exists
 * (a kept data dir) is reported as `existing` and not changed. Resolves with
 * what it did and with every property feature it did not emulate; rejects
 * with an error naming the resource when an emulator refuses a definition.
 *
 * DynamoDB streams are not dynalite's: the `StreamSpecification` is carried
 * by the table's `StreamArn` attribute and served by the local cloud's own
 * stream capture (dynamodb/streams.ts), so it is not reported here.
 */
export async function provision(stack: LocalStack, endpoints: ProvisionEndpoints): Promise<ProvisionResult> {
  const region = stack.region;
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
  const created: ProvisionedResource[] = [];
  const notEmulated: NotEmulatedFeature[] = [];
  const note = (r: StackResource, feature: string, detail: string) =>
    notEmulated.push({ logicalId: r.logicalId, type: r.type, feature, detail });
  try {
    for (const resource of stack.resources) {
      const run = async (): Promise<ProvisionedResource['outcome'] | undefined> => {
        switch (resource.type) {
          case 'AWS::DynamoDB::Table':
            return createTable(dynamodb, resource, tableInput(resource, note), note);
          case 'AWS::DynamoDB::GlobalTable':
            return createTable(dynamodb, resource, globalTableInput(resource, region, note), note);
          case 'AWS::S3::Bucket':
            return createBucket(s3, resource, note);
          case 'AWS::Kinesis::Stream':
            return createStream(kinesis, resource, note);
          default:
            return undefined;
        }
      };
      let outcome: ProvisionedResource['outcome'] | undefined;
      try {
        outcome = await run();
      } catch (error) {
        throw new Error(
          `Could not create ${resource.type} ${resource.logicalId} (${resource.physicalId}) locally: ${(error as Error).message}`,
          {
            cause: error,
          },
        );
      }
      if (outcome) created.push({ logicalId: resource.logicalId, type: resource.type, physicalId: resource.physicalId, outcome });
    }
  } finally {
    dynamodb.destroy();
    kinesis.destroy();
    s3.destroy();
  }
  return { created, notEmulated };
}

export interface UnsupportedResource {
  readonly type: string;
  readonly logicalIds: readonly string[];
}

/**
 * Every resource type of the stack that the local cloud does not emulate,
 * with the logical ids of its resources, sorted by type: the CLI's "not
 * emulated" list. `AWS::CDK::Metadata` (CDK's version report, no behaviour)
 * is never listed.
 *
 * @param supportedTypes the types the composed local cloud serves
 */
export function unsupportedResources(stack: LocalStack, supportedTypes: Iterable<string>): UnsupportedResource[] {
  const supported = new Set(supportedTypes);
  supported.add('AWS::CDK::Metadata');
  const byType = new Map<string, string[]>();
  for (const r of stack.resources) {
    if (supported.has(r.type)) continue;
    byType.set(r.type, [...(byType.get(r.type) ?? []), r.logicalId]);
  }
  return [...byType.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([type, logicalIds]) => ({ type, logicalIds }));
}
