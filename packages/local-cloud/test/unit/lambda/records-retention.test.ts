/**
 * The records file's retention: which records a prune keeps (age, cap, lines that are
 * not records) and the rewrite that prunes it (atomic, nothing appended meanwhile lost,
 * temporaries of a killed prune removed).
 */
import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  closeSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pruneRecordsFile, pruneThreshold, resolveRetention, retainedLines } from '../../../src/lambda/records-retention';

const NOW = Date.parse('2026-12-01T12:00:00.000Z');
const DAY = 86_400_000;

function line(requestId: string, ageMs: number): string {
  return JSON.stringify({ timestamp: new Date(NOW - ageMs).toISOString(), functionName: 'S-Fn', requestId, durationMs: 1 });
}

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'records-retention-'));
  file = path.join(dir, 'invocations.ndjson');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the retention rule', () => {
  it('drops records older than the retention and keeps the younger ones, in order', () => {
    const lines = [line('old', 8 * DAY), line('a', 6 * DAY), line('edge', 7 * DAY), line('b', 1000)];
    expect(retainedLines(lines, { maxAgeDays: 7 }, NOW)).toEqual([line('a', 6 * DAY), line('edge', 7 * DAY), line('b', 1000)]);
  });

  it('keeps only the newest records (the last appended) beyond the cap', () => {
    const lines = Array.from({ length: 25 }, (_, i) => line(`r${i}`, 1000));
    expect(retainedLines(lines, { maxRecords: 3 }, NOW)).toEqual([line('r22', 1000), line('r23', 1000), line('r24', 1000)]);
  });

  it('drops lines that are not records (cut short, no timestamp, not JSON)', () => {
    const lines = ['{"timestamp":"2026-12-01T11:00', '{"requestId":"x"}', 'not json', '', '42', line('ok', 1000)];
    expect(retainedLines(lines, {}, NOW)).toEqual([line('ok', 1000)]);
  });

  it('defaults to 7 days and 100,000 records and refuses a retention that keeps nothing', () => {
    expect(resolveRetention()).toEqual({ maxAgeDays: 7, maxRecords: 100_000 });
    expect(() => resolveRetention({ maxAgeDays: 0 })).toThrow(/positive number of days/);
    expect(() => resolveRetention({ maxAgeDays: Number.NaN })).toThrow(/positive number of days/);
    expect(() => resolveRetention({ maxRecords: 0 })).toThrow(/at least 1 record/);
    expect(() => resolveRetention({ maxRecords: 2.5 })).toThrow(/at least 1 record/);
  });

  it('prunes again once the file holds a tenth more than the cap', () => {
    expect(pruneThreshold(resolveRetention({ maxRecords: 100_000 }))).toBe(110_000);
    expect(pruneThreshold(resolveRetention({ maxRecords: 5 }))).toBe(6);
  });
});

describe('pruneRecordsFile', () => {
  it('rewrites the file with the records kept, each line ending in a newline', async () => {
    writeFileSync(file, [line('old', 9 * DAY), line('a', DAY), line('b', 1000)].join('\n') + '\n{"timestamp":"2026-12');
    await expect(pruneRecordsFile(file, { maxAgeDays: 7 }, { now: NOW })).resolves.toEqual({ kept: 2, dropped: 2 });
    expect(readFileSync(file, 'utf8')).toBe(`${line('a', DAY)}\n${line('b', 1000)}\n`);
  });

  it('leaves a file with nothing to drop as it is, and a missing file missing', async () => {
    writeFileSync(file, `${line('a', 1000)}\n`);
    const before = statSync(file);
    await expect(pruneRecordsFile(file, {}, { now: NOW })).resolves.toEqual({ kept: 1, dropped: 0 });
    expect(statSync(file).ino).toBe(before.ino);
    expect(statSync(file).mtimeMs).toBe(before.mtimeMs);

    const missing = path.join(dir, 'none.ndjson');
    await expect(pruneRecordsFile(missing, {}, { now: NOW })).resolves.toEqual({ kept: 0, dropped: 0 });
    expect(existsSync(missing)).toBe(false);
  });

  it('replaces the file by a rename: a reader of the old file still reads all of it, and no temporary is left', async () => {
    const old = [line('old', 30 * DAY), line('a', 1000)].join('\n') + '\n';
    writeFileSync(file, old);
    const inode = statSync(file).ino;
    const reader = openSync(file, 'r');
    try {
      await pruneRecordsFile(file, {}, { now: NOW });
      const buffer = Buffer.alloc(old.length);
      readSync(reader, buffer, 0, buffer.length, 0);
      expect(buffer.toString()).toBe(old); // never truncated in place: the old file stays whole until replaced
    } finally {
      closeSync(reader);
    }
    expect(statSync(file).ino).not.toBe(inode); // a new file (the old one is still open, its inode cannot be reused)
    expect(readFileSync(file, 'utf8')).toBe(`${line('a', 1000)}\n`);
    expect(readdirSync(dir)).toEqual(['invocations.ndjson']);
  });

  it('keeps records another writer appends while the file is being pruned', async () => {
    writeFileSync(file, [line('old', 30 * DAY), line('a', 1000)].join('\n') + '\n');
    await pruneRecordsFile(file, {}, { now: NOW, afterRead: () => appendFileSync(file, `${line('late', 10)}\n`) });
    expect(readFileSync(file, 'utf8')).toBe(`${line('a', 1000)}\n${line('late', 10)}\n`);
  });

  it('removes the half-written temporary of a prune killed mid-rewrite, and leaves a running one alone', async () => {
    const content = `${line('a', 1000)}\n`;
    writeFileSync(file, content);
    const deadPid = 2 ** 22 + 12345; // above Linux's pid_max: no such process
    const killed = `${file}.${deadPid}.prune`;
    const running = `${file}.${process.ppid}.prune`;
    writeFileSync(killed, '{"timestamp":"2026-');
    writeFileSync(running, '');
    await pruneRecordsFile(file, {}, { now: NOW });
    expect(existsSync(killed)).toBe(false);
    expect(existsSync(running)).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(content); // the records file itself was never the half-written one
  });
});
