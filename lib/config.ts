import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';

/** Steady-state requests per second and the burst above it (API Gateway's token bucket). */
export interface Throttle {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

/**
 * A machine client: an app client with a secret that gets access tokens by the
 * OAuth2 `client_credentials` grant, plus an API key and a usage plan of its own
 * (per-client throttling and a quota; the key identifies the caller to the usage
 * plan, the token authorises it).
 */
export interface MachineClientConfig {
  /** Construct id and name of the client, its API key and its usage plan (PascalCase). */
  readonly name: string;
  readonly description: string;
  /** Scopes of the `commerce` resource server it may request, e.g. `activity.write`. */
  readonly scopes: readonly string[];
  readonly throttle: Throttle;
  readonly quota: { readonly limit: number; readonly period: 'DAY' | 'WEEK' | 'MONTH' };
}

/** Settings that differ between stages. Everything else is the same everywhere. */
export interface StageConfig {
  readonly stage: 'dev' | 'prod';
  /** Default Lambda memory in MB; the cost optimiser recommends per-function changes. */
  readonly lambdaMemoryMb: number;
  readonly logRetention: RetentionDays;
  /** What happens to stateful resources (tables, buckets) when the stack is deleted. */
  readonly removalPolicy: RemovalPolicy;
  readonly api: Throttle & {
    /**
     * Method-level throttle of the routes whose one request fans out into many
     * writes (the route table marks them; see lib/routes.ts for each one's cost).
     */
    readonly amplifying: Throttle;
  };
  readonly identity: {
    /**
     * Lets the storefront client sign in with USER_PASSWORD_AUTH (the password
     * goes to Cognito instead of an SRP proof): tests and the CLI in dev only.
     */
    readonly userPasswordAuth: boolean;
    /**
     * Cognito threat protection: the Plus feature plan with adaptive
     * authentication and compromised-credential checks enforced (billed per
     * monthly active user). Off: the Essentials plan.
     */
    readonly threatProtection: boolean;
  };
  readonly machineClients: readonly MachineClientConfig[];
  /** The web ACL in front of the API stage (always on: AwsSolutions-APIG3). */
  readonly waf: {
    /** Requests one IP may send in any 5 minutes, to any route. */
    readonly requestsPerIp: number;
    /** Requests one IP may send in any 5 minutes to the amplifying (batch) routes. */
    readonly amplifyingRequestsPerIp: number;
  };
  /** SES sender identity; when absent notifications are recorded but not delivered. */
  readonly sesSender?: string;
  /** SNS SMS/push delivery; when false those channels are recorded only. */
  readonly snsDelivery: boolean;
  /** Point-in-time recovery for tables holding business data. */
  readonly pointInTimeRecovery: boolean;
  /** How long dead letters are kept before SQS drops them. */
  readonly dlqRetention: Duration;
  /**
   * Reserved concurrency of each fan-out consumer (a bus rule's target that writes
   * to tables the API reads): a burst of events (200 sign-ups, a batch of orders)
   * is worked off at this pace, from Lambda's asynchronous queue, instead of taking
   * the account's concurrency from the API functions.
   */
  readonly fanOutConcurrency: number;
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
    api: { rateLimit: 50, burstLimit: 100, amplifying: { rateLimit: 5, burstLimit: 10 } },
    identity: { userPasswordAuth: true, threatProtection: false },
    machineClients: [
      {
        name: 'ActivityProducer',
        description: 'Sends activity events for many users (POST /producers/activity)',
        scopes: ['activity.write'],
        throttle: { rateLimit: 10, burstLimit: 20 },
        quota: { limit: 50_000, period: 'DAY' },
      },
      {
        name: 'Operations',
        description: 'Operations scripts (backfills, replays)',
        scopes: ['activity.write'],
        throttle: { rateLimit: 2, burstLimit: 5 },
        quota: { limit: 5_000, period: 'DAY' },
      },
    ],
    waf: { requestsPerIp: 1_000, amplifyingRequestsPerIp: 100 },
    snsDelivery: false,
    pointInTimeRecovery: false,
    dlqRetention: Duration.days(4),
    fanOutConcurrency: 10,
    analytics: { rawLogExpiry: Duration.days(180), highEngagementThreshold: 100, streamShards: 1 },
  },
  prod: {
    stage: 'prod',
    lambdaMemoryMb: 1024,
    logRetention: RetentionDays.THREE_MONTHS,
    removalPolicy: RemovalPolicy.RETAIN,
    api: { rateLimit: 500, burstLimit: 1000, amplifying: { rateLimit: 20, burstLimit: 40 } },
    identity: { userPasswordAuth: false, threatProtection: true },
    machineClients: [
      {
        name: 'ActivityProducer',
        description: 'Sends activity events for many users (POST /producers/activity)',
        scopes: ['activity.write'],
        throttle: { rateLimit: 50, burstLimit: 100 },
        quota: { limit: 2_000_000, period: 'DAY' },
      },
      {
        name: 'Operations',
        description: 'Operations scripts (backfills, replays)',
        scopes: ['activity.write'],
        throttle: { rateLimit: 5, burstLimit: 10 },
        quota: { limit: 20_000, period: 'DAY' },
      },
    ],
    waf: { requestsPerIp: 2_000, amplifyingRequestsPerIp: 200 },
    snsDelivery: false,
    pointInTimeRecovery: true,
    dlqRetention: Duration.days(14),
    fanOutConcurrency: 50,
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
