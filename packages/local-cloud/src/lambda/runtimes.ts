/**
 * Which Lambda runtimes the local cloud runs, and how: `nodejs*` in a Node.js
 * worker (worker.mjs; the AWS SDK v3 provided from `nodejs18.x` on, as Lambda
 * provides it), `python3.*` in the Python bootstrap (python-bootstrap.py) when
 * a `python3` is on this machine (`LOCAL_CLOUD_PYTHON` names another), and
 * nothing else: any other runtime is refused, with the reason, at start and at
 * every invoke.
 */
import { spawnSync } from 'node:child_process';

export type RuntimeKind =
  { readonly kind: 'node'; readonly providesSdkV3: boolean } | { readonly kind: 'python'; readonly command: string };

/** How `runtime` runs here, or why it does not. */
export function runtimeKind(runtime: string): RuntimeKind | { readonly refused: string } {
  const node = /^nodejs(\d+)?/.exec(runtime);
  if (node) return { kind: 'node', providesSdkV3: Number(node[1] ?? 0) >= 18 };
  if (/^python3\.\d+$/.test(runtime)) {
    const python = pythonOnThisMachine();
    if ('missing' in python) return { refused: `runtime ${runtime} needs python3 on this machine: ${python.missing}` };
    return { kind: 'python', command: python.command };
  }
  return { refused: `runtime ${runtime} is not run by the local cloud (it runs nodejs* and, with python3 installed, python3.*)` };
}

let python: { command: string; version: string } | { missing: string } | undefined;

/** The python3 this machine has (asked once per process), or why there is none. */
export function pythonOnThisMachine(): { command: string; version: string } | { missing: string } {
  if (python) return python;
  const command = process.env.LOCAL_CLOUD_PYTHON || 'python3';
  const probe = spawnSync(command, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8', timeout: 10_000 });
  const version = probe.stdout?.trim() ?? '';
  python =
    probe.status === 0 && /^3\.\d+$/.test(version)
      ? { command, version }
      : {
          missing: probe.error
            ? `${command} not found (${probe.error.message})`
            : `${command} is not a Python 3 (${version || probe.stderr?.trim()})`,
        };
  return python;
}
