import { type LambdaClient, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import type { Recommendation } from '#cost-domain/recommendation';
import type { Progress } from '../../lambda/cost-optimizer/usage-source';
import type { CliDeps } from './terminal';

/** What applying one recommendation did. */
export interface AppliedChange {
  readonly functionName: string;
  readonly fromMb: number;
  readonly toMb: number;
  readonly ok: boolean;
  readonly error?: string;
}

/**
 * Sets MemorySize on every function whose recommendation is a change, and on
 * no other; nothing else of the configuration is touched. One failure does not
 * stop the others; each outcome is returned.
 */
export async function applyRecommendations(
  lambda: LambdaClient,
  recommendations: readonly Recommendation[],
  progress: Progress = () => {},
  /** A local cloud's edge (`AWS_ENDPOINT_URL`), named when it cannot be reached. */
  endpoint?: string,
): Promise<AppliedChange[]> {
  const results: AppliedChange[] = [];
  for (const r of recommendations) {
    if (r.change === 'keep' || r.proposedMemoryMb === r.currentMemoryMb) continue;
    const change = { functionName: r.functionName, fromMb: r.currentMemoryMb, toMb: r.proposedMemoryMb };
    try {
      await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: r.functionName, MemorySize: r.proposedMemoryMb }));
      progress(`${r.functionName}: ${r.currentMemoryMb} MB -> ${r.proposedMemoryMb} MB`);
      results.push({ ...change, ok: true });
    } catch (error) {
      results.push({ ...change, ok: false, error: whyNot(error, endpoint) });
    }
  }
  return results;
}

/** Why an update failed, in words that say what to do (a local cloud that is not running, or that refuses). */
function whyNot(error: unknown, endpoint: string | undefined): string {
  const message = (error as Error).message ?? String(error);
  const code = (error as { code?: string; cause?: { code?: string } }).code ?? (error as { cause?: { code?: string } }).cause?.code;
  if (endpoint && (code === 'ECONNREFUSED' || /ECONNREFUSED/.test(message))) {
    return `cannot reach the Lambda API at ${endpoint} (AWS_ENDPOINT_URL): is the local cloud running (npm start)?`;
  }
  return message;
}

/** Only the recommendations that change something. */
export function changesOf(recommendations: readonly Recommendation[]): Recommendation[] {
  return recommendations.filter((r) => r.change !== 'keep' && r.proposedMemoryMb !== r.currentMemoryMb);
}

/**
 * Whether to go ahead with `changes`: yes with --yes; otherwise a person on a
 * terminal is asked; without one it refuses, and nothing changes.
 */
export async function confirmed(
  changes: readonly Recommendation[],
  yes: boolean,
  deps: Pick<CliDeps, 'interactive' | 'confirm'>,
): Promise<boolean> {
  if (yes) return true;
  if (!deps.interactive) {
    throw new Error(
      `--apply would change ${changes.length} function(s) and needs confirmation: run it on a terminal or add --yes. Nothing changed.`,
    );
  }
  const list = changes.map((c) => `${c.functionName} ${c.currentMemoryMb} -> ${c.proposedMemoryMb} MB`).join(', ');
  return deps.confirm(`Apply ${changes.length} change(s): ${list}? [y/N] `);
}
