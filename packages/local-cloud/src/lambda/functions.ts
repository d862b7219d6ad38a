/**
 * The stack's Lambda functions as the local runtime runs them: read from the
 * template with Lambda's defaults (`AWS::Lambda::Function` and its
 * `AWS::Lambda::EventInvokeConfig`), where their code is (code.ts), whether
 * their runtime runs here (runtimes.ts), and the environment Lambda gives each.
 */
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION, type LocalStack, type StackResource } from '../types';
import { locateCode } from './code';
import { runtimeKind } from './runtimes';

/** A function of the stack as the runtime runs it (all template defaults applied). */
export interface LocalFunction {
  readonly logicalId: string;
  /** Name shown in front of its log lines: the logical id without CDK's hash suffix. */
  readonly displayName: string;
  readonly functionName: string;
  readonly arn: string;
  readonly handler: string;
  readonly runtime: string;
  /** The function's code on this machine (its `LAMBDA_TASK_ROOT`); undefined when there is none to run. */
  readonly bundleDir: string | undefined;
  /** Why the local cloud cannot run this function (its runtime, its code); undefined when it can. */
  readonly notRunnable: string | undefined;
  readonly memorySizeMb: number;
  readonly timeoutSeconds: number;
  readonly reservedConcurrency: number | undefined;
  readonly environment: Readonly<Record<string, string>>;
  readonly logGroupName: string;
  readonly logFormat: string | undefined;
  readonly maximumRetryAttempts: number;
  /** `DeadLetterConfig.TargetArn` of the function. */
  readonly deadLetterTarget: string | undefined;
  /** `DestinationConfig.OnFailure.Destination` of its EventInvokeConfig. */
  readonly onFailureDestination: string | undefined;
}

export interface ReadFunctionsOptions {
  /** Where inline code and extracted .zip assets are written; default: a folder of the OS's temp dir per stack. */
  readonly codeDir?: string;
}

/** Reads every AWS::Lambda::Function of the stack with Lambda's defaults applied. */
export function readFunctions(stack: LocalStack, options: ReadFunctionsOptions = {}): LocalFunction[] {
  const invokeConfigs = stack.byType('AWS::Lambda::EventInvokeConfig');
  const codeDir = options.codeDir ?? path.join(tmpdir(), 'local-cloud-code', stack.stackName);
  return stack.byType('AWS::Lambda::Function').map((resource) => {
    const p = resource.properties;
    const functionName = resource.physicalId || String(p.FunctionName ?? resource.logicalId);
    const arn = resource.attributes.Arn ?? `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:function:${functionName}`;
    const config = invokeConfigs.find((c) => refersTo(stack, c.properties.FunctionName, resource) && isLatest(c.properties.Qualifier));
    const runtime = String(p.Runtime ?? 'nodejs22.x');
    const kind = runtimeKind(runtime);
    const code = locateCode(stack, resource, runtime, codeDir);
    const variables = (p.Environment?.Variables ?? {}) as Record<string, unknown>;
    return {
      logicalId: resource.logicalId,
      displayName: resource.logicalId.replace(/[0-9A-F]{8}$/, '') || resource.logicalId,
      functionName,
      arn,
      handler: String(p.Handler ?? 'index.handler'),
      runtime,
      bundleDir: 'taskRoot' in code ? code.taskRoot : undefined,
      notRunnable: 'refused' in kind ? kind.refused : 'missing' in code ? code.missing : undefined,
      memorySizeMb: Number(p.MemorySize ?? 128),
      timeoutSeconds: Number(p.Timeout ?? 3),
      reservedConcurrency: p.ReservedConcurrentExecutions === undefined ? undefined : Number(p.ReservedConcurrentExecutions),
      environment: Object.fromEntries(
        Object.entries(variables).map(([k, v]) => [k, typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v)]),
      ),
      logGroupName: typeof p.LoggingConfig?.LogGroup === 'string' ? p.LoggingConfig.LogGroup : `/aws/lambda/${functionName}`,
      logFormat: typeof p.LoggingConfig?.LogFormat === 'string' ? p.LoggingConfig.LogFormat : undefined,
      maximumRetryAttempts: Number(config?.properties.MaximumRetryAttempts ?? 2),
      deadLetterTarget: typeof p.DeadLetterConfig?.TargetArn === 'string' ? p.DeadLetterConfig.TargetArn : undefined,
      onFailureDestination:
        typeof config?.properties.DestinationConfig?.OnFailure?.Destination === 'string'
          ? config.properties.DestinationConfig.OnFailure.Destination
          : undefined,
    };
  });
}

function refersTo(stack: LocalStack, ref: unknown, resource: StackResource): boolean {
  if (typeof ref !== 'string') return false;
  if (ref === resource.logicalId || ref === resource.physicalId || Object.values(resource.attributes).includes(ref)) return true;
  const match = /function:([^:]+)/.exec(ref);
  if (match && match[1] === resource.physicalId) return true;
  return stack.find(ref)?.logicalId === resource.logicalId;
}

function isLatest(qualifier: unknown): boolean {
  return qualifier === undefined || qualifier === '$LATEST';
}

/** The environment Lambda gives a function: the template's variables plus the reserved ones. */
export function environmentOf(fn: LocalFunction, endpointUrl: string): Record<string, string> {
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    ...fn.environment,
    // Reserved variables: a template cannot override them on AWS either.
    _HANDLER: fn.handler,
    LAMBDA_TASK_ROOT: fn.bundleDir ?? '',
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_SESSION_TOKEN: 'test',
    AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySizeMb),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: fn.logGroupName,
    AWS_LAMBDA_LOG_STREAM_NAME: `${day}/[$LATEST]${randomBytes(16).toString('hex')}`,
    ...(fn.logFormat ? { AWS_LAMBDA_LOG_FORMAT: fn.logFormat } : {}),
    // The one local difference: every SDK client talks to the edge endpoint.
    AWS_ENDPOINT_URL: endpointUrl,
    // There is no X-Ray daemon locally; this is how SAM tells the Powertools Tracer so.
    AWS_SAM_LOCAL: 'true',
    // The SDK warns about this machine's Node.js, not the function's declared runtime.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}
