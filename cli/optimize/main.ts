import { buildReport, evaluate } from '#cost-domain/report';
import { type AppliedChange, applyRecommendations, changesOf, confirmed } from './apply';
import { parseCommand, USAGE, UsageError } from './args';
import { renderApplied, renderTable } from './render';
import { usageSourceFor } from './sources';
import { type CliDeps, defaultDeps } from './terminal';

/**
 * The `optimize` command: collect usage, recommend, print, optionally apply.
 * Returns the exit code; every failure is reported as one line on stderr.
 */
export async function main(argv: readonly string[], deps: CliDeps = defaultDeps()): Promise<number> {
  try {
    return await run(argv, deps);
  } catch (error) {
    let message = error instanceof Error ? error.message : String(error);
    if (message === 'Region is missing') message = 'AWS region is missing: set AWS_REGION (or a profile with a region)';
    deps.stderr(`optimize: ${message.split('\n')[0]}${error instanceof UsageError ? ' (see --help)' : ''}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}

async function run(argv: readonly string[], deps: CliDeps): Promise<number> {
  const command = await parseCommand(argv, deps.env);
  if (command === 'help') {
    deps.stdout(`${USAGE}\n`);
    return 0;
  }
  const { source, strategy, prices } = command;
  const progress = (message: string) => deps.stderr(`${message}\n`);
  const usage = usageSourceFor(source, deps, progress);

  const profiles = await usage.collect(progress);
  const [result] = evaluate(profiles, [strategy], command.options);
  const report = buildReport({
    now: new Date(),
    source: usage.name,
    stackName: source.kind === 'cloudwatch' ? source.stackName : undefined,
    windowHours: usage.windowHours,
    prices,
    results: result ? [result] : [],
  });
  const recommendations = result?.recommendations ?? [];

  let applied: AppliedChange[] | undefined;
  if (command.apply) {
    const changes = changesOf(recommendations);
    if (changes.length === 0) {
      progress('Nothing to apply: every function keeps its memory size.');
    } else if (await confirmed(changes, command.yes, deps)) {
      applied = await applyRecommendations(deps.lambda(), changes, undefined, deps.env.AWS_ENDPOINT_URL);
    } else {
      progress('Cancelled: nothing changed.');
    }
  }

  if (command.json) {
    deps.stdout(`${JSON.stringify(applied ? { ...report, applied } : report, null, 2)}\n`);
  } else {
    deps.stdout(renderTable(report, strategy));
    if (applied) deps.stdout(renderApplied(applied));
    else if (!command.apply && changesOf(recommendations).length > 0) {
      deps.stdout(`Dry run: nothing changed. Add --apply to make ${changesOf(recommendations).length} change(s).\n`);
    }
  }
  return applied?.some((a) => !a.ok) ? 1 : 0;
}
