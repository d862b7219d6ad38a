/**
 * Where a function's code is found (src/lambda/code.ts): the asset manifest entry
 * that publishes `Code.S3Key`, a `.zip` file asset extracted once (entries that
 * would escape the folder skipped), and reasons, never a guess, when there is none.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { locateCode } from '../../../src/lambda/code';
import type { StackResource } from '../../../src/types';
import { localStack } from '../../support/local-stack';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'code-test-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const fn = (code: Record<string, unknown>, properties: Record<string, unknown> = {}): StackResource => ({
  logicalId: 'Fn',
  type: 'AWS::Lambda::Function',
  properties: { Code: code, ...properties },
  physicalId: 'Test-Fn',
  attributes: {},
  metadata: {},
});

/** An assembly whose manifest publishes `source` to `<hash>.zip`. */
function assembly(source: string, packaging: 'zip' | 'file'): string {
  const assemblyDir = path.join(dir, 'cdk.out');
  mkdirSync(assemblyDir, { recursive: true });
  const manifest = {
    version: '55.0.0',
    files: { abc: { source: { path: source, packaging }, destinations: { d: { objectKey: 'abc.zip' } } } },
  };
  writeFileSync(path.join(assemblyDir, 'Test.assets.json'), JSON.stringify(manifest));
  return assemblyDir;
}

test('a folder asset is found by the object key its manifest publishes it to', () => {
  const assemblyDir = assembly('asset.abc', 'zip');
  mkdirSync(path.join(assemblyDir, 'asset.abc'));
  const stack = localStack([], assemblyDir);
  expect(locateCode(stack, fn({ S3Bucket: 'b', S3Key: 'abc.zip' }), 'nodejs22.x', path.join(dir, 'code'))).toEqual({
    taskRoot: path.join(assemblyDir, 'asset.abc'),
  });
});

test('a .zip file asset is extracted into the code folder, without entries escaping it', () => {
  const assemblyDir = assembly('asset.abc.zip', 'file');
  const zip = zipSync({ 'index.js': strToU8('exports.handler = async () => 1;'), 'lib/a.js': strToU8('a'), '../evil.js': strToU8('x') });
  writeFileSync(path.join(assemblyDir, 'asset.abc.zip'), zip);
  const location = locateCode(localStack([], assemblyDir), fn({ S3Bucket: 'b', S3Key: 'abc.zip' }), 'nodejs22.x', path.join(dir, 'code'));
  if (!('taskRoot' in location)) throw new Error(location.missing);
  expect(location.taskRoot.startsWith(path.join(dir, 'code', 'Fn') + path.sep)).toBe(true);
  expect(readFileSync(path.join(location.taskRoot, 'index.js'), 'utf8')).toBe('exports.handler = async () => 1;');
  expect(readFileSync(path.join(location.taskRoot, 'lib/a.js'), 'utf8')).toBe('a');
  expect(existsSync(path.join(location.taskRoot, '..', 'evil.js'))).toBe(false);
});

test('inline code is written as index.py for Python and index.js for Node.js', () => {
  const stack = localStack([], dir);
  const py = locateCode(stack, fn({ ZipFile: 'def handler(e, c): pass' }), 'python3.12', path.join(dir, 'code'));
  expect(readFileSync(path.join((py as { taskRoot: string }).taskRoot, 'index.py'), 'utf8')).toBe('def handler(e, c): pass');
  const js = locateCode(stack, fn({ ZipFile: 'exports.handler = 1' }), 'nodejs22.x', path.join(dir, 'code2'));
  expect(readFileSync(path.join((js as { taskRoot: string }).taskRoot, 'index.js'), 'utf8')).toBe('exports.handler = 1');
});

test('code the assembly does not have is a reason, not a guess', () => {
  const stack = localStack([], assembly('asset.abc', 'zip'));
  const code = path.join(dir, 'code');
  expect(locateCode(stack, fn({ S3Bucket: 'other', S3Key: 'elsewhere.zip' }), 'nodejs22.x', code)).toEqual({
    missing: 'its code is in S3 (s3://other/elsewhere.zip) and the assembly does not publish it',
  });
  expect(locateCode(stack, fn({ ImageUri: 'x' }, { PackageType: 'Image' }), 'nodejs22.x', code)).toEqual({
    missing: expect.stringContaining('container image'),
  });
  expect(locateCode(stack, fn({ S3Bucket: 'b', S3Key: 'abc.zip' }), 'nodejs22.x', code)).toEqual({
    missing: expect.stringContaining('is not in the assembly'),
  });
});
