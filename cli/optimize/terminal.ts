import { createInterface } from 'node:readline/promises';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';

/** Everything the CLI touches outside itself, so tests can replace it. */
export interface CliDeps {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly lambda: () => LambdaClient;
  readonly cloudwatch: () => CloudWatchClient;
  readonly tagging: () => ResourceGroupsTaggingAPIClient;
  /** True when a person can answer a confirmation prompt. */
  readonly interactive: boolean;
  readonly confirm: (question: string) => Promise<boolean>;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Aborted on Ctrl-C: power tuning stops and restores the configuration. */
  readonly signal?: AbortSignal;
}

/** The real terminal, AWS clients (region and credentials from the environment) and process. */
export function defaultDeps(signal?: AbortSignal): CliDeps {
  let lambda: LambdaClient | undefined;
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    lambda: () => (lambda ??= new LambdaClient({ maxAttempts: 5 })),
    cloudwatch: () => new CloudWatchClient({ maxAttempts: 5 }),
    tagging: () => new ResourceGroupsTaggingAPIClient({ maxAttempts: 5 }),
    interactive: Boolean(process.stdin.isTTY),
    confirm: async (question) => {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return /^y(es)?$/i.test((await rl.question(question)).trim());
      } finally {
        rl.close();
      }
    },
    env: process.env,
    signal,
  };
}
