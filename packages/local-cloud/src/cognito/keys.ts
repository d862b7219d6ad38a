/**
 * One RS256 key pair per user pool, with the `kid` its tokens carry and the
 * JWKS that verifiers fetch. Generated on first use, or read from (and written
 * to) `<dataDir>/cognito/keys/<poolId>.json` when a data dir is given, so that
 * tokens issued before a restart still verify after it.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

export interface PoolKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** The public key as a JWKS entry (`kty`, `n`, `e`, `kid`, `alg`, `use`). */
  readonly jwk: Readonly<Record<string, string>>;
}

export interface Jwks {
  readonly keys: ReadonlyArray<Readonly<Record<string, string>>>;
}

export class PoolKeys {
  private readonly keys = new Map<string, PoolKey>();

  /** `dataDir`: the local cloud's data dir; keys go under `<dataDir>/cognito/keys/`. */
  constructor(private readonly dataDir?: string) {}

  key(poolId: string): PoolKey {
    let key = this.keys.get(poolId);
    if (!key) {
      key = this.load(poolId) ?? this.generate(poolId);
      this.keys.set(poolId, key);
    }
    return key;
  }

  jwks(poolId: string): Jwks {
    return { keys: [this.key(poolId).jwk] };
  }

  private file(poolId: string): string | undefined {
    return this.dataDir && path.join(this.dataDir, 'cognito', 'keys', `${poolId.replace(/[^\w.-]/g, '_')}.json`);
  }

  private load(poolId: string): PoolKey | undefined {
    const file = this.file(poolId);
    if (!file || !existsSync(file)) return undefined;
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { kid: string; privateJwk: JsonWebKey };
    return poolKey(createPrivateKey({ key: saved.privateJwk, format: 'jwk' }), saved.kid);
  }

  private generate(poolId: string): PoolKey {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const key = poolKey(privateKey);
    const file = this.file(poolId);
    if (file) {
      mkdirSync(path.dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify({ kid: key.kid, privateJwk: privateKey.export({ format: 'jwk' }) }), { mode: 0o600 });
      renameSync(tmp, file);
    }
    return key;
  }
}

function poolKey(privateKey: KeyObject, savedKid?: string): PoolKey {
  const publicKey = createPublicKey(privateKey);
  const { n, e } = publicKey.export({ format: 'jwk' }) as { n: string; e: string };
  // RFC 7638 thumbprint, base64 like Cognito's kids.
  const kid =
    savedKid ??
    createHash('sha256')
      .update(JSON.stringify({ e, kty: 'RSA', n }))
      .digest('base64');
  return { kid, privateKey, publicKey, jwk: Object.freeze({ alg: 'RS256', e, kid, kty: 'RSA', n, use: 'sig' }) };
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/** A compact JWS, RS256, header `{ kid, alg }` as Cognito's. */
export function signJwt(key: PoolKey, payload: Record<string, unknown>): string {
  const signingInput = `${b64url(JSON.stringify({ kid: key.kid, alg: 'RS256' }))}.${b64url(JSON.stringify(payload))}`;
  return `${signingInput}.${sign('sha256', Buffer.from(signingInput), key.privateKey).toString('base64url')}`;
}

/** The header and payload of a compact JWS whose RS256 signature `keyFor` (by kid) verifies; undefined otherwise. Expiry is the caller's. */
export function verifyJwt(token: string, keyFor: (payload: Record<string, any>) => PoolKey | undefined): Record<string, any> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  let header: Record<string, any>;
  let payload: Record<string, any>;
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
    payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (header?.alg !== 'RS256' || typeof payload !== 'object' || payload === null) return undefined;
  const key = keyFor(payload);
  if (!key || header.kid !== key.kid) return undefined;
  const ok = verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), key.publicKey, Buffer.from(parts[2], 'base64url'));
  return ok ? payload : undefined;
}
