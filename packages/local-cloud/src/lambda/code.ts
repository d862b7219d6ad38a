/**
 * Where a function's code is on this machine (its `LAMBDA_TASK_ROOT`), found as
 * CloudFormation would deploy it: an asset folder of the assembly (by the CDK
 * CLI's `aws:asset:path` metadata, else by the asset manifest entry that
 * publishes `Code.S3Key`), a `.zip` file asset (extracted once into the code
 * folder), or inline code (`Code.ZipFile`, written as `index.js` for Node.js,
 * `index.py` for Python, as CloudFormation does).
 *
 * Guarantees: code is only ever taken from the assembly or the template, never
 * from the folder the local cloud runs in; what cannot be found is returned as
 * a reason (the function is then refused at invoke and listed at start), never
 * replaced by something else.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { assetForObjectKey } from '../assembly/assets';
import type { LocalStack, StackResource } from '../types';

/** Where the code of a function is, or why there is none to run. */
export type CodeLocation = { readonly taskRoot: string } | { readonly missing: string };

/**
 * Finds (or writes) the code of `resource`.
 *
 * @param codeDir where inline code and extracted `.zip` assets are written (one folder per function)
 */
export function locateCode(stack: LocalStack, resource: StackResource, runtime: string, codeDir: string): CodeLocation {
  const p = resource.properties;
  const code = (p.Code ?? {}) as Record<string, unknown>;
  if (p.PackageType === 'Image' || typeof code.ImageUri === 'string') {
    return { missing: 'its code is a container image (PackageType Image): the local cloud runs .zip and inline code only' };
  }
  const assetPath = resource.metadata?.['aws:asset:path'];
  if (typeof assetPath === 'string') return fromAssemblyPath(path.resolve(stack.assemblyDir, assetPath), resource, codeDir);
  if (typeof code.ZipFile === 'string') return { taskRoot: writeInline(code.ZipFile, runtime, path.join(codeDir, resource.logicalId)) };
  const asset = assetForObjectKey(stack.assemblyDir, code.S3Key);
  if (asset) return fromAssemblyPath(asset.path, resource, codeDir);
  if (code.S3Key !== undefined || code.S3Bucket !== undefined) {
    return { missing: `its code is in S3 (s3://${String(code.S3Bucket)}/${String(code.S3Key)}) and the assembly does not publish it` };
  }
  return { missing: 'it has no Code in the template' };
}

function fromAssemblyPath(source: string, resource: StackResource, codeDir: string): CodeLocation {
  if (!existsSync(source)) return { missing: `its asset ${source} is not in the assembly (run \`cdk synth\` again)` };
  if (statSync(source).isDirectory()) return { taskRoot: source };
  if (source.endsWith('.zip')) return { taskRoot: extractZip(source, path.join(codeDir, resource.logicalId)) };
  return { missing: `its asset ${source} is a file that is not a .zip` };
}

/** Writes inline code where CloudFormation puts it (`index.js` / `index.py`); rewritten only when it changed. */
function writeInline(source: string, runtime: string, dir: string): string {
  const file = path.join(dir, runtime.startsWith('python') ? 'index.py' : 'index.js');
  mkdirSync(dir, { recursive: true });
  if (!existsSync(file) || readFileSync(file, 'utf8') !== source) writeFileSync(file, source);
  return dir;
}

/** Extracts a .zip deployment package into `<dir>/<content hash>` (once per content). */
function extractZip(zipFile: string, dir: string): string {
  const bytes = readFileSync(zipFile);
  const target = path.join(dir, createHash('sha256').update(bytes).digest('hex').slice(0, 16));
  const done = `${target}.extracted`;
  if (existsSync(done)) return target;
  for (const [name, content] of Object.entries(unzipSync(bytes))) {
    const file = path.resolve(target, name);
    if (!file.startsWith(target + path.sep)) continue; // an entry escaping the folder ("zip slip") is skipped
    if (name.endsWith('/')) mkdirSync(file, { recursive: true });
    else {
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, content);
    }
  }
  writeFileSync(done, '');
  return target;
}
