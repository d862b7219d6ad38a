/**
 * The one error type of the local cloud's AWS services: a service throws
 * `AwsError(code, message, status)` and the protocol layer (json.ts, query.ts,
 * xml.ts) renders it in the shape the caller's SDK parses for its protocol.
 */

/** How an `AwsError` is rendered beyond its code, message and status. */
export interface AwsErrorOptions {
  /**
   * Namespace of the error shape, for AWS JSON 1.0's qualified `__type`
   * (`com.amazon.coral.validate#ValidationException`); default: the service's.
   */
  readonly namespace?: string;
  /** Members of the error shape besides the message (DynamoDB's `CancellationReasons`). */
  readonly fields?: Readonly<Record<string, unknown>>;
  /**
   * Name of the message member: `message` (default), `Message` (as some AWS
   * errors spell it), or `null` for an error shape with no message at all.
   */
  readonly messageKey?: 'message' | 'Message' | null;
  /**
   * The AWS Query error code of a query-compatible JSON service (SQS's
   * `AWS.SimpleQueueService.NonExistentQueue`), sent in `x-amzn-query-error`;
   * default: `code`.
   */
  readonly queryCode?: string;
}

/**
 * An AWS API error. `code` is the error shape's name (the SDK's exception
 * class); `status` the HTTP status (4xx: the caller's fault, `Sender`; 5xx:
 * the service's, `Receiver`).
 */
export class AwsError extends Error {
  readonly namespace: string | undefined;
  readonly fields: Readonly<Record<string, unknown>>;
  readonly messageKey: 'message' | 'Message' | null;
  readonly queryCode: string;

  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    options: AwsErrorOptions = {},
  ) {
    super(message);
    this.name = code;
    this.namespace = options.namespace;
    this.fields = options.fields ?? {};
    this.messageKey = options.messageKey === undefined ? 'message' : options.messageKey;
    this.queryCode = options.queryCode ?? code;
  }

  /** `Sender` for a 4xx, `Receiver` for a 5xx (the Query protocol's `<Type>`). */
  get fault(): 'Sender' | 'Receiver' {
    return this.status < 500 ? 'Sender' : 'Receiver';
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
