/**
 * "Deploys" the data resources of a stack onto the emulators: DynamoDB tables,
 * S3 buckets and Kinesis streams, with the physical names the assembly gave
 * them. Everything of a resource's definition the emulators cannot honour is
 * reported, never silently dropped.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  TagResourceCommand,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import {
  AddTagsToStreamCommand,
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  IncreaseStreamRetentionPeriodCommand,
  KinesisClient,
} from '@aws-sdk/client-kinesis';
import { CreateBucketCommand, PutBucketCorsCommand, PutBucketWebsiteCommand, S3Client, type CORSRule, type RoutingRule } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
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
  readonly outcome: 'created' | 'existing';
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
export const PROVISIONED_TYPES = [
  'AWS::DynamoDB::Table',
  'AWS::DynamoDB::GlobalTable',
  'AWS::S3::Bucket',
  'AWS::Kinesis::Stream',
] as const;

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
 * stream capture (local/dynamodb/streams.ts), so it is not reported here.
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
        throw new Error(`Could not create ${resource.type} ${resource.logicalId} (${resource.physicalId}) locally: ${(error as Error).message}`, {
          cause: error,
        });
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

// ---------------------------------------------------------------- DynamoDB

type Note = (resource: StackResource, feature: string, detail: string) => void;

interface TableInput {
  readonly input: CreateTableCommandInput;
  readonly ttlAttribute?: string;
  readonly tags: Array<{ Key: string; Value: string }>;
}

function tableInput(r: StackResource, note: Note): TableInput {
  const p = r.properties;
  const onDemand = p.BillingMode === 'PAY_PER_REQUEST';
  const throughput = (t: any) => ({ ReadCapacityUnits: Number(t?.ReadCapacityUnits ?? 5), WriteCapacityUnits: Number(t?.WriteCapacityUnits ?? 5) });
  const input: CreateTableCommandInput = {
    TableName: r.physicalId,
    KeySchema: p.KeySchema,
    AttributeDefinitions: p.AttributeDefinitions,
    ...(onDemand ? { BillingMode: 'PAY_PER_REQUEST' } : { BillingMode: 'PROVISIONED', ProvisionedThroughput: throughput(p.ProvisionedThroughput) }),
  };
  if (Array.isArray(p.GlobalSecondaryIndexes) && p.GlobalSecondaryIndexes.length > 0) {
    input.GlobalSecondaryIndexes = p.GlobalSecondaryIndexes.map((gsi: any) => {
      for (const feature of ['ContributorInsightsSpecification', 'OnDemandThroughput', 'WarmThroughput']) {
        if (gsi[feature] !== undefined) note(r, `GlobalSecondaryIndexes[${gsi.IndexName}].${feature}`, 'not emulated by dynalite');
      }
      return {
        IndexName: gsi.IndexName,
        KeySchema: gsi.KeySchema,
        Projection: gsi.Projection,
        ...(onDemand ? {} : { ProvisionedThroughput: throughput(gsi.ProvisionedThroughput) }),
      };
    });
  }
  if (Array.isArray(p.LocalSecondaryIndexes) && p.LocalSecondaryIndexes.length > 0) {
    input.LocalSecondaryIndexes = p.LocalSecondaryIndexes.map((lsi: any) => ({ IndexName: lsi.IndexName, KeySchema: lsi.KeySchema, Projection: lsi.Projection }));
  }
  if (!onDemand) note(r, 'ProvisionedThroughput', 'capacities are recorded but never enforced: dynalite does not throttle');
  noteTableFeatures(r, p, note);
  return {
    input,
    ttlAttribute: isEnabled(p.TimeToLiveSpecification?.Enabled) ? p.TimeToLiveSpecification.AttributeName : undefined,
    tags: tagList(p.Tags),
  };
}

function globalTableInput(r: StackResource, region: string, note: Note): TableInput {
  const p = r.properties;
  const replicas: any[] = Array.isArray(p.Replicas) ? p.Replicas : [];
  const local = replicas.find((x) => x.Region === region) ?? replicas[0] ?? {};
  const others = replicas.filter((x) => x !== local).map((x) => String(x.Region));
  if (others.length > 0) note(r, 'Replicas', `only the ${region} replica exists locally; not created: ${others.join(', ')}`);
  for (const feature of ['PointInTimeRecoverySpecification', 'ContributorInsightsSpecification', 'KinesisStreamSpecification', 'ResourcePolicy', 'ReplicaStreamSpecification']) {
    if (local[feature] !== undefined) note(r, `Replicas[${String(local.Region)}].${feature}`, 'not emulated by dynalite');
  }
  if (local.DeletionProtectionEnabled === true) note(r, `Replicas[${String(local.Region)}].DeletionProtectionEnabled`, 'not emulated: the local table can be deleted');
  if (local.TableClass !== undefined && local.TableClass !== 'STANDARD') note(r, `Replicas[${String(local.Region)}].TableClass`, 'not emulated: storage class has no local effect');
  const asTable: StackResource = {
    ...r,
    properties: {
      ...p,
      BillingMode: p.BillingMode ?? 'PROVISIONED',
      GlobalSecondaryIndexes: p.GlobalSecondaryIndexes,
      Tags: local.Tags,
    },
  };
  const { input, tags } = tableInput(asTable, note);
  return {
    input,
    ttlAttribute: isEnabled(p.TimeToLiveSpecification?.Enabled) ? p.TimeToLiveSpecification.AttributeName : undefined,
    tags,
  };
}

function noteTableFeatures(r: StackResource, p: Record<string, any>, note: Note): void {
  const simple: Record<string, string> = {
    SSESpecification: 'not emulated: data is stored unencrypted',
    PointInTimeRecoverySpecification: 'not emulated: no backups or restore',
    ContributorInsightsSpecification: 'not emulated',
    KinesisStreamSpecification: 'not emulated: changes are not copied to Kinesis',
    ImportSourceSpecification: 'not emulated: the table starts empty',
    ResourcePolicy: 'not emulated: no access control locally',
    WarmThroughput: 'not emulated',
    OnDemandThroughput: 'not emulated: no request-rate limit locally',
  };
  for (const [feature, detail] of Object.entries(simple)) {
    if (p[feature] === undefined) continue;
    if (feature === 'PointInTimeRecoverySpecification' && !isEnabled(p[feature].PointInTimeRecoveryEnabled)) continue;
    if (feature === 'SSESpecification' && !isEnabled(p[feature].SSEEnabled)) continue;
    if (feature === 'ContributorInsightsSpecification' && !isEnabled(p[feature].Enabled)) continue;
    note(r, feature, detail);
  }
  if (isEnabled(p.DeletionProtectionEnabled)) note(r, 'DeletionProtectionEnabled', 'not emulated: the local table can be deleted');
  if (p.TableClass !== undefined && p.TableClass !== 'STANDARD') note(r, 'TableClass', 'not emulated: storage class has no local effect');
}

async function createTable(client: DynamoDBClient, r: StackResource, table: TableInput, note: Note): Promise<ProvisionedResource['outcome']> {
  let outcome: ProvisionedResource['outcome'] = 'created';
  try {
    await client.send(new CreateTableCommand(table.input));
  } catch (error) {
    if ((error as Error).name !== 'ResourceInUseException') throw error;
    outcome = 'existing';
  }
  await until(async () => (await client.send(new DescribeTableCommand({ TableName: r.physicalId }))).Table?.TableStatus === 'ACTIVE');
  if (table.ttlAttribute) {
    try {
      await client.send(
        new UpdateTimeToLiveCommand({ TableName: r.physicalId, TimeToLiveSpecification: { Enabled: true, AttributeName: table.ttlAttribute } }),
      );
    } catch (error) {
      if (!isUnknownOperation(error)) throw error;
      note(r, 'TimeToLiveSpecification', `not emulated by dynalite: items whose '${table.ttlAttribute}' has passed are never deleted (readers must check the expiry themselves)`);
    }
  }
  if (table.tags.length > 0 && outcome === 'created') {
    await client.send(new TagResourceCommand({ ResourceArn: r.attributes.Arn, Tags: table.tags }));
  }
  return outcome;
}

// ---------------------------------------------------------------- S3

async function createBucket(client: S3Client, r: StackResource, note: Note): Promise<ProvisionedResource['outcome']> {
  const p = r.properties;
  let outcome: ProvisionedResource['outcome'] = 'created';
  try {
    await client.send(new CreateBucketCommand({ Bucket: r.physicalId }));
  } catch (error) {
    const name = (error as Error).name;
    if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw error;
    outcome = 'existing';
  }
  if (Array.isArray(p.CorsConfiguration?.CorsRules)) {
    const rules: CORSRule[] = p.CorsConfiguration.CorsRules.map((rule: any) => ({
      ID: rule.Id,
      AllowedHeaders: rule.AllowedHeaders,
      AllowedMethods: rule.AllowedMethods,
      AllowedOrigins: rule.AllowedOrigins,
      ExposeHeaders: rule.ExposedHeaders,
      MaxAgeSeconds: rule.MaxAge === undefined ? undefined : Number(rule.MaxAge),
    }));
    await client.send(new PutBucketCorsCommand({ Bucket: r.physicalId, CORSConfiguration: { CORSRules: rules } }));
  }
  if (p.WebsiteConfiguration) {
    const w = p.WebsiteConfiguration;
    const routing: RoutingRule[] | undefined = Array.isArray(w.RoutingRules)
      ? w.RoutingRules.map((rule: any) => ({
          Condition: rule.RoutingRuleCondition,
          Redirect: rule.RedirectRule,
        }))
      : undefined;
    await client.send(
      new PutBucketWebsiteCommand({
        Bucket: r.physicalId,
        WebsiteConfiguration: {
          IndexDocument: w.IndexDocument ? { Suffix: w.IndexDocument } : undefined,
          ErrorDocument: w.ErrorDocument ? { Key: w.ErrorDocument } : undefined,
          RedirectAllRequestsTo: w.RedirectAllRequestsTo,
          RoutingRules: routing,
        },
      }),
    );
  }
  const details: Record<string, string> = {
    LifecycleConfiguration: 'not emulated by s3rver: objects never expire or change storage class',
    BucketEncryption: 'not emulated by s3rver: objects are stored unencrypted',
    PublicAccessBlockConfiguration: 'not emulated: no access control locally',
    NotificationConfiguration: 'not emulated: object events are not delivered',
    ObjectLockConfiguration: 'not emulated: objects can be deleted',
    ObjectLockEnabled: 'not emulated: objects can be deleted',
    LoggingConfiguration: 'not emulated: no access logs',
    ReplicationConfiguration: 'not emulated: objects are not replicated',
    IntelligentTieringConfigurations: 'not emulated',
    InventoryConfigurations: 'not emulated',
    MetricsConfigurations: 'not emulated',
    AnalyticsConfigurations: 'not emulated',
    OwnershipControls: 'not emulated: no ACLs locally',
    AccessControl: 'not emulated: no ACLs locally',
    AccelerateConfiguration: 'not emulated',
    MetadataTableConfiguration: 'not emulated',
    Tags: 'not emulated by s3rver: bucket tags are not stored',
  };
  for (const [feature, detail] of Object.entries(details)) if (p[feature] !== undefined) note(r, feature, detail);
  if (p.VersioningConfiguration?.Status === 'Enabled') {
    note(r, 'VersioningConfiguration', 'not emulated by s3rver: an overwrite replaces the object, no versions are kept');
  }
  return outcome;
}

// ---------------------------------------------------------------- Kinesis

async function createStream(client: KinesisClient, r: StackResource, note: Note): Promise<ProvisionedResource['outcome']> {
  const p = r.properties;
  const onDemand = p.StreamModeDetails?.StreamMode === 'ON_DEMAND';
  const shards = onDemand || p.ShardCount === undefined ? 1 : Number(p.ShardCount);
  if (onDemand) note(r, 'StreamModeDetails', 'ON_DEMAND is emulated as one provisioned shard: no automatic scaling');
  if (p.StreamEncryption !== undefined) note(r, 'StreamEncryption', 'not emulated by kinesalite: records are stored unencrypted');
  if (p.DesiredShardLevelMetrics !== undefined) note(r, 'DesiredShardLevelMetrics', 'not emulated: no CloudWatch metrics locally');
  let outcome: ProvisionedResource['outcome'] = 'created';
  try {
    await client.send(new CreateStreamCommand({ StreamName: r.physicalId, ShardCount: shards }));
  } catch (error) {
    if ((error as Error).name !== 'ResourceInUseException') throw error;
    outcome = 'existing';
  }
  const active = async () =>
    (await client.send(new DescribeStreamSummaryCommand({ StreamName: r.physicalId }))).StreamDescriptionSummary;
  await until(async () => (await active())?.StreamStatus === 'ACTIVE');
  const retention = p.RetentionPeriodHours === undefined ? undefined : Number(p.RetentionPeriodHours);
  if (outcome === 'created' && retention !== undefined && retention > 24) {
    await client.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: r.physicalId, RetentionPeriodHours: retention }));
    await until(async () => (await active())?.StreamStatus === 'ACTIVE');
  }
  const tags = tagList(p.Tags);
  for (let i = 0; outcome === 'created' && i < tags.length; i += 10) {
    await client.send(
      new AddTagsToStreamCommand({ StreamName: r.physicalId, Tags: Object.fromEntries(tags.slice(i, i + 10).map((t) => [t.Key, t.Value])) }),
    );
  }
  return outcome;
}

// ---------------------------------------------------------------- helpers

function tagList(tags: unknown): Array<{ Key: string; Value: string }> {
  return Array.isArray(tags) ? tags.map((t: any) => ({ Key: String(t.Key), Value: String(t.Value) })) : [];
}

function isEnabled(value: unknown): boolean {
  return value === true || value === 'true';
}

function isUnknownOperation(error: unknown): boolean {
  const e = error as { name?: string; message?: string };
  return e.name === 'UnknownOperationException' || /UnknownOperation/.test(String(e.message));
}

/** Polls until `ready` (the emulators report ACTIVE within a tick or two). */
async function until(ready: () => Promise<boolean>, attempts = 200): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (await ready()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('did not become ACTIVE');
}
