/** DynamoDB tables and global tables of the template, created on dynalite (provision.ts runs them). */
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  TagResourceCommand,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import { isEnabled, tagList, until, type Note, type ProvisionOutcome } from '../provision-support';
import type { StackResource } from '../types';

interface TableInput {
  readonly input: CreateTableCommandInput;
  readonly ttlAttribute?: string;
  readonly tags: Array<{ Key: string; Value: string }>;
}

export function tableInput(r: StackResource, note: Note): TableInput {
  const p = r.properties;
  const onDemand = p.BillingMode === 'PAY_PER_REQUEST';
  const throughput = (t: any) => ({
    ReadCapacityUnits: Number(t?.ReadCapacityUnits ?? 5),
    WriteCapacityUnits: Number(t?.WriteCapacityUnits ?? 5),
  });
  const input: CreateTableCommandInput = {
    TableName: r.physicalId,
    KeySchema: p.KeySchema,
    AttributeDefinitions: p.AttributeDefinitions,
    ...(onDemand
      ? { BillingMode: 'PAY_PER_REQUEST' }
      : { BillingMode: 'PROVISIONED', ProvisionedThroughput: throughput(p.ProvisionedThroughput) }),
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
    input.LocalSecondaryIndexes = p.LocalSecondaryIndexes.map((lsi: any) => ({
      IndexName: lsi.IndexName,
      KeySchema: lsi.KeySchema,
      Projection: lsi.Projection,
    }));
  }
  if (!onDemand) note(r, 'ProvisionedThroughput', 'capacities are recorded but never enforced: dynalite does not throttle');
  noteTableFeatures(r, p, note);
  return {
    input,
    ttlAttribute: isEnabled(p.TimeToLiveSpecification?.Enabled) ? p.TimeToLiveSpecification.AttributeName : undefined,
    tags: tagList(p.Tags),
  };
}

export function globalTableInput(r: StackResource, region: string, note: Note): TableInput {
  const p = r.properties;
  const replicas: any[] = Array.isArray(p.Replicas) ? p.Replicas : [];
  const local = replicas.find((x) => x.Region === region) ?? replicas[0] ?? {};
  const others = replicas.filter((x) => x !== local).map((x) => String(x.Region));
  if (others.length > 0) note(r, 'Replicas', `only the ${region} replica exists locally; not created: ${others.join(', ')}`);
  for (const feature of [
    'PointInTimeRecoverySpecification',
    'ContributorInsightsSpecification',
    'KinesisStreamSpecification',
    'ResourcePolicy',
    'ReplicaStreamSpecification',
  ]) {
    if (local[feature] !== undefined) note(r, `Replicas[${String(local.Region)}].${feature}`, 'not emulated by dynalite');
  }
  if (local.DeletionProtectionEnabled === true)
    note(r, `Replicas[${String(local.Region)}].DeletionProtectionEnabled`, 'not emulated: the local table can be deleted');
  if (local.TableClass !== undefined && local.TableClass !== 'STANDARD')
    note(r, `Replicas[${String(local.Region)}].TableClass`, 'not emulated: storage class has no local effect');
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

export async function createTable(client: DynamoDBClient, r: StackResource, table: TableInput, _note: Note): Promise<ProvisionOutcome> {
  let outcome: ProvisionOutcome = 'created';
  try {
    await client.send(new CreateTableCommand(table.input));
  } catch (error) {
    if ((error as Error).name !== 'ResourceInUseException') throw error;
    outcome = 'existing';
  }
  await until(async () => (await client.send(new DescribeTableCommand({ TableName: r.physicalId }))).Table?.TableStatus === 'ACTIVE');
  // TimeToLiveSpecification: dynalite has no TTL; the DynamoDB layer serves it from the template (ttl.ts).
  if (table.tags.length > 0 && outcome === 'created') {
    await client.send(new TagResourceCommand({ ResourceArn: r.attributes.Arn, Tags: table.tags }));
  }
  return outcome;
}
