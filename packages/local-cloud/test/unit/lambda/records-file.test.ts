/**
 * The records file writer: appends every record in order, prunes the file when it starts
 * and whenever it outgrows its cap, and loses none of the newest records doing so.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RecordsFile } from '../../../src/lambda/records-file';
import type { InvocationRecord } from '../../../src/types';
import { invocationRecord } from '../../support/invocation-records';

const DAY = 86_400_000;

const record = invocationRecord;

function requestIds(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as InvocationRecord).requestId);
}

let dir: string;
let file: string;
let logLines: string[];
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'records-file-'));
  file = path.join(dir, 'state', 'invocations.ndjson');
  logLines = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('appends every record in order, creating the folder', async () => {
  const records = new RecordsFile(file, (line) => logLines.push(line));
  for (const id of ['a', 'b', 'c']) records.append(record(id));
  await records.close();
  expect(requestIds(file)).toEqual(['a', 'b', 'c']);
  expect(logLines).toEqual([]);
});

it('drops the records past the retention when it starts, keeping those appended meanwhile', async () => {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, [record('too-old', 3 * DAY), record('recent', DAY)].map((r) => JSON.stringify(r)).join('\n') + '\n');
  const records = new RecordsFile(file, (line) => logLines.push(line), { maxAgeDays: 2 });
  records.append(record('new')); // while the start's prune runs
  await records.close();
  expect(requestIds(file)).toEqual(['recent', 'new']);
  expect(logLines).toEqual([expect.stringMatching(/pruned .*invocations\.ndjson: dropped 1 records, kept the newest 1/)]);
});

it('prunes to the newest records whenever the file outgrows its cap, losing none of them', async () => {
  const records = new RecordsFile(file, () => undefined, { maxRecords: 10 });
  const ids = Array.from({ length: 57 }, (_, i) => `r${i}`);
  for (const [i, id] of ids.entries()) {
    records.append(record(id));
    if (i % 4 === 3) records.flush(); // batches of 4: some land while a prune runs
  }
  await records.close();
  expect(requestIds(file)).toEqual(ids.slice(-10));
});

it('stops queueing after stopWriting, yet writes what was queued before', async () => {
  const records = new RecordsFile(file, () => undefined);
  records.append(record('kept'));
  records.stopWriting();
  records.append(record('ignored'));
  await records.close();
  expect(requestIds(file)).toEqual(['kept']);
});
