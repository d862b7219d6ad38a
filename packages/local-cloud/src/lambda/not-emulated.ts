/**
 * What of a function's definition the local runtime does not honour, for the
 * "not emulated" list printed at start: a runtime or code it cannot run (every
 * invocation of it fails with InvalidRuntimeException), layers, file systems
 * and VPC settings. X-Ray tracing is listed by assembly/tracing.ts.
 */
import type { NotEmulatedFeature } from '../provision';
import type { LocalStack } from '../types';
import type { LocalFunction } from './functions';

const TYPE = 'AWS::Lambda::Function';

export function functionsNotEmulated(stack: LocalStack, functions: readonly LocalFunction[]): NotEmulatedFeature[] {
  const notes: NotEmulatedFeature[] = [];
  for (const fn of functions) {
    const note = (feature: string, detail: string) => notes.push({ logicalId: fn.logicalId, type: TYPE, feature, detail });
    if (fn.notRunnable)
      note(
        fn.bundleDir ? 'Runtime' : 'Code',
        `not runnable locally: ${fn.notRunnable}; every invocation fails with InvalidRuntimeException`,
      );
    const p = stack.find(fn.logicalId)?.properties ?? {};
    if (Array.isArray(p.Layers) && p.Layers.length > 0) {
      note(
        'Layers',
        `${p.Layers.length} layer(s) not mounted at /opt: code that imports from a layer fails with Runtime.ImportModuleError`,
      );
    }
    if (Array.isArray(p.FileSystemConfigs) && p.FileSystemConfigs.length > 0) note('FileSystemConfigs', 'no EFS file system is mounted');
    if (p.VpcConfig) note('VpcConfig', 'the function is not placed in a VPC: it reaches everything this machine reaches');
  }
  return notes;
}
