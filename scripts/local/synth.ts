/**
 * The local start's synth, run in a child process (`tsx scripts/local/synth.ts <outdir>`)
 * so that each synth sees the current `lib/`: the same app as `cdk synth` (bin/platform.ts,
 * cdk.json's context) written to `<outdir>`, minus what only a deployment needs —
 * CDK's per-function bundling (`aws:cdk:bundling-stacks` empty: scripts/local/bundles.ts
 * builds the handlers, in parallel, with the same options), CDK's built-in template
 * validation (`CDK_VALIDATION=false`; its findings are warnings only) and, unless
 * `--nag`, cdk-nag (a deployment gate: `cdk synth` and test/infra run it).
 *
 * Writes `<outdir>/handlers.json`: every ServiceFunction's logical id, template file and entry file.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { definePlatform } from '../../bin/platform';
import { ServiceFunction } from '../../lib/service-function';
import type { HandlerEntry } from './handlers';

const ROOT = path.join(__dirname, '..', '..');

function main(): void {
  const outdir = path.resolve(process.argv[2] ?? '');
  const nag = process.argv.includes('--nag');
  const cdkJson = JSON.parse(readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  const app = new App({
    outdir,
    context: {
      ...cdkJson.context,
      // What the CDK CLI turns on; the local cloud reads the asset and path metadata.
      'aws:cdk:enable-asset-metadata': true,
      'aws:cdk:enable-path-metadata': true,
      'aws:cdk:bundling-stacks': [],
    },
  });
  definePlatform(app, { nag });
  app.synth();
  const handlers: HandlerEntry[] = app.node
    .findAll()
    .filter((c): c is ServiceFunction => c instanceof ServiceFunction)
    .map((fn) => {
      const stack = Stack.of(fn);
      return {
        templateFile: stack.templateFile,
        logicalId: stack.resolve((fn.node.defaultChild as CfnFunction & CfnElement).logicalId) as string,
        entry: path.relative(ROOT, fn.entry),
      };
    });
  writeFileSync(path.join(outdir, 'handlers.json'), `${JSON.stringify(handlers, null, 2)}\n`);
}

process.env.CDK_VALIDATION = 'false';
main();
