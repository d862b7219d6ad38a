/**
 * The handlers of a local assembly (`<assembly>/handlers.json`, written by
 * scripts/local/synth.ts) and where their bundles live in it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/** One ServiceFunction of the synthesised app. */
export interface HandlerEntry {
  /** Its stack's template file, relative to the assembly. */
  readonly templateFile: string;
  /** The `AWS::Lambda::Function`'s logical id in the template. */
  readonly logicalId: string;
  /** Its source file, relative to the project root. */
  readonly entry: string;
}

export function readHandlers(assemblyDir: string): HandlerEntry[] {
  return JSON.parse(readFileSync(path.join(assemblyDir, 'handlers.json'), 'utf8')) as HandlerEntry[];
}

/** The asset folder of a handler's bundle, relative to the assembly (what the template's `aws:asset:path` names). */
export function bundlePath(handler: HandlerEntry): string {
  return path.join('bundles', handler.logicalId);
}

interface Template {
  Resources: Record<string, { Metadata?: Record<string, unknown> }>;
}

/**
 * Points every handler's function in the templates at its bundle folder (the
 * synth skipped CDK's bundling, so the asset path names the project root).
 * Throws when the template has no such function: the assembly is not served half-wired.
 */
export function pointFunctionsAtBundles(assemblyDir: string, handlers: readonly HandlerEntry[]): void {
  for (const templateFile of new Set(handlers.map((h) => h.templateFile))) {
    const file = path.join(assemblyDir, templateFile);
    const template = JSON.parse(readFileSync(file, 'utf8')) as Template;
    for (const handler of handlers.filter((h) => h.templateFile === templateFile)) {
      const resource = template.Resources[handler.logicalId];
      if (!resource) throw new Error(`${handler.entry}: no function ${handler.logicalId} in ${templateFile}`);
      resource.Metadata = { ...resource.Metadata, 'aws:asset:path': bundlePath(handler), 'aws:asset:is-bundled': true };
    }
    writeFileSync(file, JSON.stringify(template, null, 1));
  }
}
