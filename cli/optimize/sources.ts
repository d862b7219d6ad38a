import { CloudWatchUsageSource } from '../../lambda/cost-optimizer/cloudwatch-source';
import type { Progress, UsageSource } from '../../lambda/cost-optimizer/usage-source';
import type { Command } from './args';
import { LocalRecordsSource } from './local-records-source';
import { PowerTuner, withPowerTuning } from './power-tuner';
import type { CliDeps } from './terminal';

/**
 * The usage source a command line asks for, on a laptop: the local cloud's
 * records file, or the deployed stack's CloudWatch metrics (the same source the
 * daily report uses), power-tuned first with --tune.
 */
export function usageSourceFor(source: Command['source'], deps: CliDeps, progress: Progress): UsageSource {
  if (source.kind === 'local') {
    return new LocalRecordsSource({
      file: source.records,
      architecture: source.architecture,
      ...(source.windowHours !== undefined ? { windowHours: source.windowHours } : {}),
      ...(source.stackName !== undefined ? { stackName: source.stackName } : {}),
      ...(source.since !== undefined ? { since: source.since } : {}),
    });
  }
  const cloudwatch = new CloudWatchUsageSource({
    lambda: deps.lambda(),
    cloudwatch: deps.cloudwatch(),
    // A local cloud (AWS_ENDPOINT_URL) serves the Lambda API but not the tagging API: find the stack's functions by ListTags there.
    ...(deps.env.AWS_ENDPOINT_URL ? {} : { tagging: deps.tagging() }),
    stackName: source.stackName,
    windowHours: source.windowHours,
  });
  if (!source.tune) return cloudwatch;
  const { functionNames, ...request } = source.tune;
  return withPowerTuning(cloudwatch, new PowerTuner(deps.lambda(), { progress }), functionNames, { ...request, signal: deps.signal });
}
