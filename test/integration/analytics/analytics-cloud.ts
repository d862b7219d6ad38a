/**
 * The analytics integration tests' cloud: the local cloud with what the
 * analytics stack creates (raw-log bucket, a two-shard activity stream, the
 * stats and engagement tables, fresh names each run) and the handlers'
 * environment pointed at it; import the handlers after this.
 */
import { randomUUID } from 'node:crypto';
import { type LocalAws, handlerEnvironment, startLocalAws } from '../../support/aws';

export interface AnalyticsCloud {
  readonly cloud: LocalAws;
  readonly bucket: string;
  readonly stream: string;
  readonly statsTable: string;
  readonly engagementTable: string;
}

export async function startAnalyticsCloud(highEngagementThreshold: number): Promise<AnalyticsCloud> {
  const names = {
    bucket: `raw-${randomUUID()}`,
    stream: `activity-${randomUUID()}`,
    statsTable: `stats-${randomUUID()}`,
    engagementTable: `engagement-${randomUUID()}`,
  };
  const cloud = await startLocalAws();
  await cloud.createBucket(names.bucket);
  await cloud.createStream(names.stream, 2);
  await cloud.createTable(names.statsTable, { sortKey: true });
  await cloud.createTable(names.engagementTable);
  handlerEnvironment(cloud.endpoint, 'analytics', {
    RAW_BUCKET: names.bucket,
    ANALYTICS_STREAM: names.stream,
    STATS_TABLE: names.statsTable,
    ENGAGEMENT_TABLE: names.engagementTable,
    HIGH_ENGAGEMENT_THRESHOLD: String(highEngagementThreshold),
  });
  return { cloud, ...names };
}
