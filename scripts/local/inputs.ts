/**
 * The inputs of a local assembly, hashed: every file under bin/, lib/, lambda/,
 * contracts/ and scripts/local/, package-lock.json and cdk.json (what the synth
 * and the bundles are made of). Equal hashes mean the assembly and its bundles
 * can be served again as they are.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

/** Folders and files (relative to the project root) whose content makes the assembly. */
export const ASSEMBLY_INPUTS = ['bin', 'lib', 'lambda', 'contracts', 'scripts/local', 'package-lock.json', 'cdk.json'] as const;

/** Folders whose change means a new synth (the rest of lambda/ only changes bundles). */
export const SYNTH_INPUTS = ['bin', 'lib', 'contracts', 'scripts/local', 'package-lock.json', 'cdk.json'] as const;

export function inputsHash(root: string, inputs: readonly string[] = ASSEMBLY_INPUTS): string {
  const hash = createHash('sha256');
  for (const input of inputs) {
    for (const file of filesUnder(root, input)) {
      hash.update(`${file}\0`);
      hash.update(readFileSync(path.join(root, file)));
      hash.update('\0');
    }
  }
  return hash.digest('hex');
}

/** Files of `input` (a file or folder relative to root), sorted, relative to root. */
function filesUnder(root: string, input: string): string[] {
  const full = path.join(root, input);
  if (!existsSync(full)) return [];
  if (!statSync(full).isDirectory()) return [input];
  return readdirSync(full, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)))
    .sort();
}
