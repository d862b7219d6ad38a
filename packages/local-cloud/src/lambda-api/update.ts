/**
 * UpdateFunctionConfiguration of $LATEST: MemorySize (128 to 10,240 MB), Timeout (1 to
 * 900 s), Environment (replaces every variable; Lambda's reserved keys refused) and
 * Description, checked as Lambda checks them, applied to the runtime (warm workers are
 * retired, new ones get the settings). Any other setting is refused: the local cloud
 * cannot change a function's code, runtime, handler, layers or role.
 */
import { randomUUID } from 'node:crypto';
import type { FunctionPatch, LambdaRuntime } from '../lambda/runtime';
import { AwsError } from '../protocol/errors';
import { invalidParameter, lambdaError, validation } from './errors';
import { lambdaTimestamp, type FunctionEntry } from './registry';

const SUPPORTED = new Set(['FunctionName', 'MemorySize', 'Timeout', 'Environment', 'Description', 'RevisionId']);
const RESERVED = [
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_DEFAULT_REGION',
  'AWS_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
];

function range(value: unknown, name: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n))
    throw validation(
      `1 validation error detected: Value '${String(value)}' at '${name}' failed to satisfy constraint: Member must be a whole number`,
    );
  if (n < min)
    throw validation(
      `1 validation error detected: Value '${n}' at '${name}' failed to satisfy constraint: Member must have value greater than or equal to ${min}`,
    );
  if (n > max)
    throw validation(
      `1 validation error detected: Value '${n}' at '${name}' failed to satisfy constraint: Member must have value less than or equal to ${max}`,
    );
  return n;
}

export function updateConfiguration(runtime: LambdaRuntime, entry: FunctionEntry, input: Record<string, any>): void {
  const unsupported = Object.keys(input).filter((k) => !SUPPORTED.has(k) && input[k] !== undefined && input[k] !== null);
  if (unsupported.length) {
    throw new AwsError(
      'NotImplemented',
      `The local cloud cannot change ${unsupported.join(', ')} of a function (MemorySize, Timeout, Environment and Description only).`,
      501,
      {
        messageKey: 'Message',
      },
    );
  }
  if (input.RevisionId && input.RevisionId !== entry.revisionId) {
    throw lambdaError(
      'PreconditionFailedException',
      'The Revision Id provided does not match the latest Revision Id. Call the GetFunction API to retrieve the latest Revision Id',
      412,
    );
  }
  const patch: { -readonly [K in keyof FunctionPatch]: FunctionPatch[K] } = {};
  if (input.MemorySize !== undefined) patch.memorySizeMb = range(input.MemorySize, 'memorySize', 128, 10_240);
  if (input.Timeout !== undefined) patch.timeoutSeconds = range(input.Timeout, 'timeout', 1, 900);
  if (input.Environment !== undefined) {
    const variables = (input.Environment?.Variables ?? {}) as Record<string, unknown>;
    const reserved = Object.keys(variables).filter((k) => RESERVED.includes(k));
    if (reserved.length) {
      throw invalidParameter(
        `Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ${reserved.join(', ')}`,
      );
    }
    patch.environment = Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, String(v)]));
  }
  if (Object.keys(patch).length) runtime.configure(entry.name, patch);
  if (input.Description !== undefined) entry.description = String(input.Description);
  entry.lastModified = lambdaTimestamp();
  entry.revisionId = randomUUID();
}
