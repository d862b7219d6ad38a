/**
 * Regenerates README's cost-optimiser sample from a real local run
 * (`npm run docs:optimizer-sample`): synthesise, start the local cloud on free
 * ports, make a signed-in user (the post-confirmation trigger runs), read the
 * profile twice, then run `optimize --source local --strategy threshold` on
 * the invocation records of that run alone, and write its output between the
 * `optimize-sample` markers in README.md. Takes about a minute.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startLocalCloud } from 'local-cloud';
import { main } from '../cli/optimize/main';
import { defaultDeps } from '../cli/optimize/terminal';

const ROOT = path.join(__dirname, '..');
const README = path.join(ROOT, 'README.md');
const START = '<!-- optimize-sample:start -->';
const END = '<!-- optimize-sample:end -->';
const COMMAND = ['--source', 'local', '--strategy', 'threshold'];

async function sample(): Promise<string> {
  const work = mkdtempSync(path.join(tmpdir(), 'optimizer-sample-'));
  try {
    process.stderr.write('synthesising...\n');
    const assemblyDir = path.join(work, 'cdk.out');
    execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'aws-cdk', 'bin', 'cdk'), 'synth', '--quiet', '-o', assemblyDir], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'], // esbuild's lines; execFileSync puts them in the error if synth fails
    });
    process.stderr.write('starting the local cloud...\n');
    const cloud = await startLocalCloud({ assemblyDir, apiPort: 0, edgePort: 0, stateDir: path.join(work, 'state'), log: () => undefined });
    try {
      process.stderr.write('a user, two profile reads...\n');
      const created = await fetch(`${cloud.edgeUrl}/_local/cognito/users`, {
        method: 'POST',
        body: JSON.stringify({ email: 'ada@example.com', name: 'Ada Lovelace', phone: '+14155550100' }),
      });
      if (!created.ok) throw new Error(`creating the user answered ${created.status}`);
      const { tokens } = (await created.json()) as { tokens: { IdToken: string } };
      for (let i = 0; i < 2; i++) {
        const me = await fetch(`${cloud.apiUrl}/users/me`, { headers: { authorization: tokens.IdToken } });
        if (me.status !== 200) throw new Error(`GET /users/me answered ${me.status}`);
      }
      await cloud.idle();
      let out = '';
      const code = await main([...COMMAND, '--records', cloud.recordsFile], { ...defaultDeps(), stdout: (t) => (out += t) });
      if (code !== 0) throw new Error(`optimize exited ${code}`);
      return out;
    } finally {
      await cloud.stop();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function run(): Promise<void> {
  const output = await sample();
  const text = readFileSync(README, 'utf8');
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${START} ... ${END} block`);
  const block = [
    START,
    'Sample output, from a real local run (`npm run docs:optimizer-sample` regenerates it: `npm start`,',
    '`npm run local -- user ada@example.com`, two `GET /users/me`, then',
    `\`npm run optimize -- ${COMMAND.join(' ')}\`):`,
    '',
    '```',
    output.trimEnd(),
    '```',
    '',
  ].join('\n');
  writeFileSync(README, text.slice(0, start) + block + text.slice(end));
  process.stderr.write(`README.md: sample updated (${output.trimEnd().split('\n').length} lines)\n`);
}

run().catch((error: unknown) => {
  process.stderr.write(`docs:optimizer-sample: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
