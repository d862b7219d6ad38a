/**
 * A function's configuration as the Lambda API returns it (FunctionConfiguration,
 * GetFunction's answer, an alias), from the registry's entry and the runtime's settings.
 */
import type { LocalFunction } from '../lambda/runtime';
import type { Alias, FunctionEntry } from './registry';

export function functionConfiguration(
  entry: FunctionEntry,
  fn: LocalFunction,
  version: string,
  meta: { lastModified: string; revisionId: string; description: string },
): Record<string, unknown> {
  const code = entry.code();
  return {
    FunctionName: entry.name,
    FunctionArn: version === '$LATEST' ? entry.arn : `${entry.arn}:${version}`,
    Runtime: fn.runtime,
    Role: entry.role,
    Handler: fn.handler,
    CodeSize: code.size,
    Description: meta.description,
    Timeout: fn.timeoutSeconds,
    MemorySize: fn.memorySizeMb,
    LastModified: meta.lastModified,
    CodeSha256: code.sha256,
    Version: version,
    ...(Object.keys(fn.environment).length ? { Environment: { Variables: { ...fn.environment } } } : {}),
    TracingConfig: { Mode: entry.tracingMode },
    RevisionId: meta.revisionId,
    State: 'Active',
    LastUpdateStatus: 'Successful',
    PackageType: 'Zip',
    Architectures: [entry.architecture],
    EphemeralStorage: { Size: 512 },
    SnapStart: { ApplyOn: 'None', OptimizationStatus: 'Off' },
    LoggingConfig: { LogFormat: fn.logFormat ?? 'Text', LogGroup: fn.logGroupName },
  };
}

export function aliasConfiguration(entry: FunctionEntry, alias: Alias): Record<string, unknown> {
  return {
    AliasArn: `${entry.arn}:${alias.name}`,
    Name: alias.name,
    FunctionVersion: alias.functionVersion,
    Description: alias.description,
    RevisionId: alias.revisionId,
  };
}
