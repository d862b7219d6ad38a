import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';

/** Settings that differ between stages. Everything else is the same everywhere. */
export interface StageConfig {
  readonly stage: 'dev' | 'prod';
  /** Default Lambda memory in MB; the cost optimiser recommends per-function changes. */
  readonly lambdaMemoryMb: number;
  readonly logRetention: RetentionDays;
  /** What happens to stateful resources (tables, buckets) when the stack is deleted. */
  readonly removalPolicy: RemovalPolicy;
  readonly api: { readonly rateLimit: number; readonly burstLimit: number };
  /** SES sender identity; when absent notifications are recorded but not delivered. */
  readonly sesSender?: string;
  /** SNS SMS/push delivery; when false those channels are recorded only. */
  readonly snsDelivery: boolean;
  /** Point-in-time recovery for tables holding business data. */
  readonly pointInTimeRecovery: boolean;
  /** How long dead letters are kept before SQS drops them. */
  readonly dlqRetention: Duration;
  readonly analytics: {
    /** When raw activity logs are deleted (they move to infrequent access at 30 days, archive at 90). */
    readonly rawLogExpiry: Duration;
    /** Total engagement score at which `HighEngagementDetected` is published (once per user). */
    readonly highEngagementThreshold: number;
    /** Provisioned shards of the activity stream, or on-demand capacity. */
    readonly streamShards: number | 'on-demand';
  };
}

const STAGES: Record<StageConfig['stage'], StageConfig> = {
  dev: {
    stage: 'dev',
    lambdaMemoryMb: 512,
    logRetention: RetentionDays.ONE_WEEK,
    removalPolicy: RemovalPolicy.DESTROY,
    api: { rateLimit: 50, burstLimit: 100 },
    snsDelivery: false,
    pointInTimeRecovery: false,
    dlqRetention: Duration.days(4),
    analytics: { rawLogExpiry: Duration.days(180), highEngagementThreshold: 100, streamShards: 1 },
  },
  prod: {
    stage: 'prod',
    lambdaMemoryMb: 1024,
    logRetention: RetentionDays.THREE_MONTHS,
    removalPolicy: RemovalPolicy.RETAIN,
    api: { rateLimit: 500, burstLimit: 1000 },
    snsDelivery: false,
    pointInTimeRecovery: true,
    dlqRetention: Duration.days(14),
    analytics: { rawLogExpiry: Duration.days(730), highEngagementThreshold: 100, streamShards: 'on-demand' },
  },
};

/** Reads the stage's settings; an unknown stage is an error, never a silent default. */
export function stageConfig(stage: string): StageConfig {
  const config = STAGES[stage as StageConfig['stage']];
  if (!config) {
    throw new Error(`Unknown stage "${stage}"; expected one of: ${Object.keys(STAGES).join(', ')}`);
  }
  return config;
}
