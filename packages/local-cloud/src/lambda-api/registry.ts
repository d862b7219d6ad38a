/**
 * What the Lambda API knows of each function beyond the runtime: its published
 * versions (snapshots of $LATEST, numbered from 1, invocable by the runtime as
 * `name:N`), aliases, revision ids, code hash and tags, and how a name, ARN or partial
 * ARN with a qualifier (`:alias`, `:3`, `$LATEST`) resolves to one of them.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { LambdaRuntime, LocalFunction } from '../lambda/runtime';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION, type LocalStack } from '../types';
import { aliasNotFound, functionNotFound, invalidParameter } from './errors';

export interface Version {
  readonly version: string;
  readonly fn: LocalFunction;
  description: string;
  readonly lastModified: string;
  readonly revisionId: string;
}

export interface Alias {
  readonly name: string;
  functionVersion: string;
  description: string;
  revisionId: string;
}

export interface FunctionEntry {
  readonly name: string;
  readonly logicalId: string;
  readonly arn: string;
  lastModified: string;
  revisionId: string;
  /** CodeSha256 and CodeSize, computed on first use. */
  readonly code: () => { sha256: string; size: number };
  readonly architecture: string;
  readonly role: string;
  readonly tracingMode: string;
  description: string;
  readonly tags: Record<string, string>;
  readonly versions: Map<string, Version>;
  readonly aliases: Map<string, Alias>;
  nextVersion: number;
  /** The configuration fingerprint of the latest published version (PublishVersion of an unchanged function returns it). */
  lastPublished: { version: string; fingerprint: string } | undefined;
}

/** A function reference resolved: the entry, and which version runs (`$LATEST`, a number) through which alias. */
export interface Resolved {
  readonly entry: FunctionEntry;
  readonly version: string;
  readonly alias?: Alias;
  /** The ARN as Lambda reports it in errors (qualified when a qualifier was given). */
  readonly arn: string;
}

/** Lambda's LastModified format: `2026-12-01T23:09:25.123+0000`. */
export function lambdaTimestamp(date = new Date()): string {
  return date.toISOString().replace('Z', '+0000');
}

const NAME = /^(?:arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:|\d{12}:function:)?([a-zA-Z0-9-_.]+)(?::(\$LATEST|[a-zA-Z0-9-_]+))?$/;

export class FunctionRegistry {
  private readonly entries = new Map<string, FunctionEntry>();

  constructor(
    stack: LocalStack,
    private readonly runtime: LambdaRuntime,
  ) {
    const now = lambdaTimestamp();
    for (const fn of runtime.list()) {
      const p = stack.find(fn.logicalId)?.properties ?? {};
      const tags: Record<string, string> = {
        'aws:cloudformation:stack-name': stack.stackName,
        'aws:cloudformation:logical-id': fn.logicalId,
        'aws:cloudformation:stack-id': `arn:aws:cloudformation:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:stack/${stack.stackName}/local`,
      };
      for (const tag of Array.isArray(p.Tags) ? (p.Tags as { Key?: unknown; Value?: unknown }[]) : []) {
        if (typeof tag.Key === 'string') tags[tag.Key] = String(tag.Value ?? '');
      }
      this.entries.set(fn.functionName, {
        name: fn.functionName,
        logicalId: fn.logicalId,
        arn: fn.arn,
        lastModified: now,
        revisionId: randomUUID(),
        code: memo(() => codeOf(fn.bundleDir)),
        architecture: Array.isArray(p.Architectures) && p.Architectures[0] === 'arm64' ? 'arm64' : 'x86_64',
        role: typeof p.Role === 'string' ? p.Role : `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/${fn.functionName}-role`,
        tracingMode: typeof p.TracingConfig?.Mode === 'string' ? p.TracingConfig.Mode : 'PassThrough',
        description: typeof p.Description === 'string' ? p.Description : '',
        tags,
        versions: new Map(),
        aliases: new Map(),
        nextVersion: 1,
        lastPublished: undefined,
      });
    }
  }

  all(): FunctionEntry[] {
    return [...this.entries.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /** The entry a name, ARN or partial ARN names (any qualifier in it ignored). */
  entry(ref: string): FunctionEntry {
    const m = NAME.exec(ref);
    const entry = m ? this.entries.get(m[1]!) : undefined;
    if (!entry) throw functionNotFound(m ? `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:function:${m[1]}` : ref);
    return entry;
  }

  /** Resolves `ref` with the qualifier in it or the `Qualifier` parameter (they must agree). */
  resolve(ref: string, qualifier?: string): Resolved {
    const m = NAME.exec(ref);
    if (!m)
      throw invalidParameter(
        `1 validation error detected: Value '${ref}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: ${NAME.source}`,
      );
    if (m[2] && qualifier && m[2] !== qualifier) {
      throw invalidParameter('The derived qualifier from the function name does not match the specified qualifier.');
    }
    const entry = this.entry(ref);
    const q = m[2] ?? qualifier;
    if (!q || q === '$LATEST') return { entry, version: '$LATEST', arn: q ? `${entry.arn}:$LATEST` : entry.arn };
    const arn = `${entry.arn}:${q}`;
    if (/^\d+$/.test(q)) {
      if (!entry.versions.has(q)) throw functionNotFound(arn);
      return { entry, version: q, arn };
    }
    const alias = entry.aliases.get(q);
    if (!alias) throw functionNotFound(arn);
    return { entry, version: alias.functionVersion, alias, arn };
  }

  /** The settings a resolved version runs with. */
  settings(resolved: Resolved): LocalFunction {
    if (resolved.version === '$LATEST') return this.runtime.configuration(resolved.entry.name);
    return resolved.entry.versions.get(resolved.version)!.fn;
  }

  /** The runtime's name for a resolved version. */
  runtimeRef(resolved: Resolved): string {
    return resolved.version === '$LATEST' ? resolved.entry.name : `${resolved.entry.name}:${resolved.version}`;
  }

  /** PublishVersion: a new version of $LATEST's settings, or the latest one when nothing changed since. */
  publish(entry: FunctionEntry, description: string): Version {
    const fn = this.runtime.configuration(entry.name);
    const fingerprint = JSON.stringify([fn.memorySizeMb, fn.timeoutSeconds, fn.environment, entry.code().sha256]);
    const last = entry.lastPublished && entry.versions.get(entry.lastPublished.version);
    if (last && entry.lastPublished!.fingerprint === fingerprint) return last;
    const version = String(entry.nextVersion++);
    const published: Version = {
      version,
      fn: this.runtime.addVersion(entry.name, version),
      description,
      lastModified: lambdaTimestamp(),
      revisionId: randomUUID(),
    };
    entry.versions.set(version, published);
    entry.lastPublished = { version, fingerprint };
    return published;
  }

  deleteVersion(entry: FunctionEntry, version: string): void {
    const users = [...entry.aliases.values()].filter((a) => a.functionVersion === version).map((a) => a.name);
    if (users.length) {
      throw invalidParameter(`Unable to delete version because the following aliases reference it: [${users.join(', ')}]`);
    }
    if (!entry.versions.delete(version)) return; // deleting a version that does not exist succeeds, as on Lambda
    this.runtime.removeVersion(entry.name, version);
  }

  aliasOf(entry: FunctionEntry, name: string): Alias {
    const alias = entry.aliases.get(name);
    if (!alias) throw aliasNotFound(`${entry.arn}:${name}`);
    return alias;
  }
}

function memo<T>(compute: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= compute());
}

/** Size and SHA-256 (base64) of a bundle folder's files, as CodeSize and CodeSha256. */
function codeOf(dir: string | undefined): { sha256: string; size: number } {
  const hash = createHash('sha256');
  let size = 0;
  const walk = (folder: string) => {
    for (const name of readdirSync(folder).sort()) {
      const file = path.join(folder, name);
      const stat = statSync(file);
      if (stat.isDirectory()) walk(file);
      else {
        size += stat.size;
        hash.update(name).update(readFileSync(file));
      }
    }
  };
  try {
    if (dir) walk(dir);
  } catch {
    // an unreadable bundle: the hash of what was read
  }
  return { sha256: hash.digest('base64'), size };
}
