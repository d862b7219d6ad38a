import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { stageConfig } from '../../lib/config';
import { PlatformStack } from '../../lib/platform-stack';

export interface Synthesised {
  readonly stack: PlatformStack;
  readonly template: Template;
  /** The cloud assembly folder (bundles are under `asset.<hash>/`). */
  readonly outdir: string;
}

export interface SynthOptions {
  /**
   * Bundle the handlers (default). Tests that read only the template pass
   * false: esbuild is skipped (CDK's `aws:cdk:bundling-stacks` set to none),
   * the rest of the synth, cdk-nag included, is the same.
   */
  readonly bundle?: boolean;
}

/** Synthesises one stage exactly as bin/app.ts does (cdk-nag included), into a temp folder. */
export function synthesisePlatform(stage = 'dev', { bundle = true }: SynthOptions = {}): Synthesised {
  const outdir = mkdtempSync(path.join(tmpdir(), `cdk-${stage}-`));
  // The CLI turns asset metadata on; the local cloud and the bundle test read it.
  const app = new App({
    outdir,
    context: { 'aws:cdk:enable-asset-metadata': true, ...(bundle ? {} : { 'aws:cdk:bundling-stacks': [] }) },
  });
  const stack = new PlatformStack(app, `ServerlessCommerce-${stage}`, { config: stageConfig(stage) });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
  return { stack, template: Template.fromStack(stack), outdir };
}
