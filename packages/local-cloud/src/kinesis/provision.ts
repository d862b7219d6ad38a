/** Kinesis streams of the template, created on kinesalite (provision.ts runs them). */
import {
  AddTagsToStreamCommand,
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  IncreaseStreamRetentionPeriodCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import { tagList, until, type Note, type ProvisionOutcome } from '../provision-support';
import type { StackResource } from '../types';

export async function createStream(client: KinesisClient, r: StackResource, note: Note): Promise<ProvisionOutcome> {
  const p = r.properties;
  const onDemand = p.StreamModeDetails?.StreamMode === 'ON_DEMAND';
  const shards = onDemand || p.ShardCount === undefined ? 1 : Number(p.ShardCount);
  if (onDemand) note(r, 'StreamModeDetails', 'ON_DEMAND is emulated as one provisioned shard: no automatic scaling');
  if (p.StreamEncryption !== undefined) note(r, 'StreamEncryption', 'not emulated by kinesalite: records are stored unencrypted');
  if (p.DesiredShardLevelMetrics !== undefined) note(r, 'DesiredShardLevelMetrics', 'not emulated: no CloudWatch metrics locally');
  let outcome: ProvisionOutcome = 'created';
  try {
    await client.send(new CreateStreamCommand({ StreamName: r.physicalId, ShardCount: shards }));
  } catch (error) {
    if ((error as Error).name !== 'ResourceInUseException') throw error;
    outcome = 'existing';
  }
  const active = async () => (await client.send(new DescribeStreamSummaryCommand({ StreamName: r.physicalId }))).StreamDescriptionSummary;
  await until(async () => (await active())?.StreamStatus === 'ACTIVE');
  const retention = p.RetentionPeriodHours === undefined ? undefined : Number(p.RetentionPeriodHours);
  if (outcome === 'created' && retention !== undefined && retention > 24) {
    await client.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: r.physicalId, RetentionPeriodHours: retention }));
    await until(async () => (await active())?.StreamStatus === 'ACTIVE');
  }
  const tags = tagList(p.Tags);
  for (let i = 0; outcome === 'created' && i < tags.length; i += 10) {
    await client.send(
      new AddTagsToStreamCommand({
        StreamName: r.physicalId,
        Tags: Object.fromEntries(tags.slice(i, i + 10).map((t) => [t.Key, t.Value])),
      }),
    );
  }
  return outcome;
}
