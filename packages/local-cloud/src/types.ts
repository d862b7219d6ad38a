/**
 * Contracts between the parts of the local cloud. Each part lives in its own
 * folder or file under packages/local-cloud/src (see the package README's
 * "Parts") and depends on these types, not on each other's code; cloud.ts
 * composes them. Nothing in this package imports the platform (its tsconfig's
 * rootDir forbids it).
 */
import type { IncomingHttpHeaders } from 'node:http';

/** Account and region the local cloud pretends to be (same as LocalStack's defaults). */
export const LOCAL_ACCOUNT_ID = '000000000000';
export const LOCAL_REGION = 'us-east-1';

// ---------------------------------------------------------------- assembly

/** One resource of the synthesised template, with its intrinsics resolved to local values. */
export interface StackResource {
  readonly logicalId: string;
  /** CloudFormation type, e.g. `AWS::DynamoDB::Table`. */
  readonly type: string;
  /** Properties with Ref / GetAtt / Join / Sub / Select / Split / If resolved. */
  readonly properties: Record<string, any>;
  /** What `Ref` returns for this resource locally (table name, function name, queue URL...). */
  readonly physicalId: string;
  /** What `Fn::GetAtt` returns locally, by attribute name (`Arn`, `StreamArn`, `QueueName`...). */
  readonly attributes: Readonly<Record<string, string>>;
  /** Raw `Metadata` of the resource (e.g. `aws:asset:path` of a Lambda function's bundle). */
  readonly metadata: Record<string, any>;
}

/** A stack of the cloud assembly, ready to be served locally. */
export interface LocalStack {
  readonly stackName: string;
  readonly region: string;
  readonly accountId: string;
  /** Absolute path of the cdk.out folder (asset paths are relative to it). */
  readonly assemblyDir: string;
  readonly resources: readonly StackResource[];
  /** Resolved `Outputs` of the template, by output name. */
  readonly outputs: Readonly<Record<string, string>>;
  /** Every resource of this type. */
  byType(type: string): StackResource[];
  /** The resource whose logical id, physical id or an attribute (e.g. Arn) equals `ref`. */
  find(ref: string): StackResource | undefined;
}

// ---------------------------------------------------------------- edge

/** An AWS API call as the edge endpoint received it. */
export interface EdgeRequest {
  readonly method: string;
  /** Path and query string, as received. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** Service from the SigV4 credential scope (`dynamodb`, `kinesis`, `s3`, `events`, `sqs`, ...). */
  readonly service: string;
  readonly region: string;
  /** The `X-Amz-Target` header, when the protocol is AWS JSON (e.g. `DynamoDB_20120810.PutItem`). */
  readonly target?: string;
}

export interface EdgeResponse {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: Buffer | string;
}

/**
 * Serves an AWS API call itself, or returns undefined to let the edge forward it
 * unchanged to the emulator behind the service (dynalite, kinesalite, s3rver).
 */
export type EdgeHandler = (request: EdgeRequest) => Promise<EdgeResponse | undefined>;

/**
 * An unsigned call to one of the local cloud's own control endpoints
 * (`/_local/<name>/...` on the edge), made by the CLI or a test, never by a handler.
 */
export interface ControlRequest {
  readonly method: string;
  /** Decoded path segments after `/_local/<name>` (`/_local/schedules/a%2Fb/fire` gives `['a/b', 'fire']`). */
  readonly segments: readonly string[];
  readonly query: URLSearchParams;
  readonly body: Buffer;
}

/** A control endpoint's answer; the edge sends `body` as JSON. */
export interface ControlResponse {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Record<string, string>;
}

/** Serves one control endpoint; a thrown error becomes a JSON 500 naming it. */
export type ControlHandler = (request: ControlRequest) => Promise<ControlResponse>;

// ---------------------------------------------------------------- lambda

/** One invocation's REPORT line, kept so that later tools (cost optimiser) can read them. */
export interface InvocationRecord {
  readonly timestamp: string;
  readonly functionName: string;
  readonly logicalId: string;
  readonly requestId: string;
  readonly memorySizeMb: number;
  readonly durationMs: number;
  readonly billedDurationMs: number;
  /** Present on a cold start: the time to start the worker and import the bundle. */
  readonly initDurationMs?: number;
  readonly maxMemoryUsedMb: number;
  readonly status: 'success' | 'error' | 'timeout';
}

export interface InvokeResult {
  /** The handler's return value (undefined for an error). */
  readonly payload?: unknown;
  /** Set when the handler threw, timed out or the worker crashed, as Lambda reports it. */
  readonly error?: { readonly errorType: string; readonly errorMessage: string; readonly trace?: string[] };
  readonly record: InvocationRecord;
}

/** Invokes a function of the stack by logical id, name or ARN. */
export interface LambdaInvoker {
  invoke(functionRef: string, event: unknown): Promise<InvokeResult>;
  /**
   * Asynchronous invocation as Lambda does it for EventBridge and S3: accepted at
   * once; on error retried (the function's EventInvokeConfig MaximumRetryAttempts,
   * default 2, with backoff), then sent to its DeadLetterConfig / on-failure
   * destination. Resolves when accepted, not when done.
   */
  invokeAsync(functionRef: string, event: unknown): Promise<void>;
}

/** A fault the Chaos API injects into one Lambda invocation (see chaos/engine.ts). */
export type InvocationFault =
  /** The invocation fails as a function error (the handler does not run). */
  | { readonly kind: 'error'; readonly errorType: string; readonly errorMessage: string }
  /** The worker is killed once the handler has started (after its first AWS call, if it makes one). */
  | { readonly kind: 'kill' };

/** What the Lambda runtime asks before each invocation, so the Chaos API reaches every invocation kind. */
export interface InvocationFaults {
  invocationFault(fn: { functionName: string; logicalId: string; arn: string }): InvocationFault | undefined;
  /** Calls `kill` once the edge has answered the next AWS call signed with `accessKeyId`; returns a disarm function. */
  armKill(accessKeyId: string, kill: () => void): () => void;
}

// ---------------------------------------------------------------- sqs

/** The part of the local SQS that other parts use (dead-letter queues, destinations). */
export interface QueueSink {
  /** Sends a message to a queue given by ARN or URL. */
  send(queueRef: string, body: string, attributes?: Record<string, string>): Promise<void>;
}

// ---------------------------------------------------------------- lifecycle

/** Something the local cloud started and must stop on shutdown (Ctrl-C, test teardown). */
export interface Stoppable {
  stop(): Promise<void>;
}
