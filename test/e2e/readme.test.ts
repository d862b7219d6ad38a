/**
 * README, executed: each `curl` it shows is run against the platform (the
 * local cloud, or whatever E2E_API_URL points at) and must answer as the
 * comment under it documents (`# → <status> <json>`); every `npm run` script
 * it names exists, and the ones that only read are run; its route table is
 * the route table. A claim README makes that is not true fails `npm test`.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { ROUTES, routeName } from '../../lib/routes';
import { matchesDocumented, readReadme, type DocumentedCall } from '../support/readme';
import { newCaller, type Caller } from './identity';
import { target } from './target';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');
const readme = readReadme(path.join(ROOT, 'README.md'));
const scripts = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
const work = mkdtempSync(path.join(tmpdir(), 'readme-'));

let caller: Caller;
let apiUrl: string;
beforeAll(async () => {
  apiUrl = (await target()).apiUrl;
  caller = await newCaller({ name: 'Ada Lovelace', phone: '+14155550100' });
}, 60_000);

/** Runs a documented curl as a user would paste it, pointed at this API, with the caller's token in $ID_TOKEN. */
async function curl(call: DocumentedCall, n: number) {
  const command = call.command.replace(/(https?:\/\/)?(localhost|127\.0\.0\.1):3000/g, apiUrl);
  const body = path.join(work, `body-${n}`);
  const headers = path.join(work, `headers-${n}`);
  const { stdout } = await run('bash', ['-c', `${command} -o '${body}' -D '${headers}' -w '%{http_code}'`], {
    env: { ...process.env, ID_TOKEN: caller.idToken, API_URL: apiUrl },
  });
  const text = readFileSync(body, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: Number(stdout.trim().slice(-3)), json, text, headers: readFileSync(headers, 'utf8').toLowerCase() };
}

describe('README, executed', () => {
  it('shows curl examples, each with its documented answer', () => {
    expect(readme.calls.length).toBeGreaterThan(0);
    const undocumented = readme.calls.filter((c) => c.status === undefined).map((c) => `${c.section}: ${c.command}`);
    expect(undocumented).toEqual([]);
  });

  it.each(readme.calls.map((call, n) => [call.command, call, n] as const))('%s', async (_, call, n) => {
    const answer = await curl(call, n);
    expect({ status: answer.status, body: answer.json ?? answer.text }).toMatchObject({ status: call.status });
    if (call.body !== undefined) expect(matchesDocumented(answer.json, call.body)).toBe(true);
    // README's rule: a handler's answer (a success, or an error with the `{ error, message }` shape) carries
    // x-correlation-id; API Gateway's own answers (`{ message }` alone) do not, as on AWS.
    const fromHandler = answer.status < 300 || (typeof answer.json === 'object' && answer.json !== null && 'error' in answer.json);
    if (fromHandler) expect(answer.headers).toMatch(/^x-correlation-id: \S+/m);
  });

  it('names only npm scripts that exist', () => {
    const builtIn = new Set(['start', 'test']);
    expect(readme.npmScripts.filter((s) => !builtIn.has(s) && !(s in scripts))).toEqual([]);
    expect(readme.npmScripts).toEqual(expect.arrayContaining(['start', 'test']));
  });

  it('has a route table that is the route table (lib/routes.ts): every route, its access', () => {
    const table = readme.tables.find((t) => t.header[0] === 'route' && t.header[1] === 'access');
    expect(table).toBeDefined();
    const documented = table!.rows.map((row) => {
      const route = /`([A-Z]+ \/[^`\s]*)`/.exec(row[0]!)?.[1];
      return `${route} ${row[1]!.split(/\s/)[0]}`;
    });
    expect(documented.sort()).toEqual(ROUTES.map((r) => `${routeName(r)} ${r.access}`).sort());
  });

  it('`npm run -s local -- user <email>` makes a signed-in user and prints a curl that answers 200', async () => {
    const shown = readme.npmCommands.find((c) => /^npm run -s local -- user \S+@/.test(c));
    expect(shown).toBeDefined();
    const edgePort = new URL(process.env.AWS_ENDPOINT_URL!).port;
    const email = `readme-${Date.now()}@example.com`;
    const { stdout } = await run('npm', ['run', '-s', 'local', '--', 'user', email, '--edge-port', edgePort], { cwd: ROOT });
    const printed = /^curl .*$/m.exec(stdout)?.[0];
    expect(printed).toBeDefined();
    const answer = await curl({ command: printed!, section: 'printed', status: 200 }, 9_999);
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ email });
  }, 60_000);

  it('`npm run -s optimize -- ... --json` prints JSON alone on stdout (pipeable)', async () => {
    const shown = readme.npmCommands.find((c) => /^npm run -s optimize -- .*--json/.test(c));
    expect(shown).toBeDefined();
    const records = process.env.E2E_RECORDS_FILE;
    expect(records).toBeDefined();
    const { stdout } = await run('npm', ['run', '-s', 'optimize', '--', '--source', 'local', '--records', records!, '--json'], {
      cwd: ROOT,
    });
    expect(JSON.parse(stdout)).toMatchObject({ source: `local:${records}`, strategies: [{ strategy: 'threshold' }] });
  }, 60_000);
});
