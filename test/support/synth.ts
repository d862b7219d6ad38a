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

/** A template resource as the infra tests read it. */
export type TemplateResource = { Type: string; Properties: any; Metadata?: any; DeletionPolicy?: string };
export type Resources = Record<string, TemplateResource>;

/** The resources of a synthesised stage, and the `[logicalId, resource]` pairs of one type. */
export function resourcesOf(synthesised: Synthesised): { resources: Resources; ofType: (type: string) => [string, TemplateResource][] } {
  const resources = synthesised.template.toJSON().Resources as Resources;
  return { resources, ofType: (type) => Object.entries(resources).filter(([, r]) => r.Type === type) };
}

/**
 * The dev stage of this test file, synthesised once before its tests (cdk-nag
 * runs in the synth: an unacknowledged finding fails them all).
 */
export function devStage(): {
  readonly dev: Synthesised;
  readonly resources: Resources;
  ofType(type: string): [string, TemplateResource][];
} {
  let parts: (ReturnType<typeof resourcesOf> & { dev: Synthesised }) | undefined;
  beforeAll(() => {
    const dev = synthesisePlatform('dev');
    parts = { dev, ...resourcesOf(dev) };
  });
  const ready = () =>
    parts ??
    (() => {
      throw new Error('devStage() is read before its beforeAll ran');
    })();
  return {
    get dev() {
      return ready().dev;
    },
    get resources() {
      return ready().resources;
    },
    ofType: (type) => ready().ofType(type),
  };
}
