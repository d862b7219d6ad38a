import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { stageConfig } from '../lib/config';
import { PlatformStack } from '../lib/platform-stack';

export interface PlatformAppOptions {
  /** Run cdk-nag's AwsSolutions checks at synth (default true: an unacknowledged error fails the synth). */
  readonly nag?: boolean;
}

/**
 * The platform's app, defined once for `cdk synth`/`cdk deploy` (bin/app.ts)
 * and for the local start (scripts/local/synth.ts): one PlatformStack for the
 * stage of the context (`-c stage=prod`; default dev). Environment-agnostic,
 * so synth needs no AWS account or credentials.
 */
export function definePlatform(app: App, { nag = true }: PlatformAppOptions = {}): PlatformStack {
  const stage = String(app.node.tryGetContext('stage') ?? 'dev');
  const stack = new PlatformStack(app, `ServerlessCommerce-${stage}`, {
    config: stageConfig(stage),
    description: `serverless-commerce platform (${stage})`,
  });
  // cdk-nag 3 runs as a validation plugin at synth.
  if (nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return stack;
}
