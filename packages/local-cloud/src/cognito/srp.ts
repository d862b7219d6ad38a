/**
 * The server side of Cognito's SRP-6a (USER_SRP_AUTH + PASSWORD_VERIFIER), the
 * flow amplify and amazon-cognito-identity-js use: 3072-bit group of RFC 5054,
 * g = 2, SHA-256, x = H(salt | H(poolName | userId | ":" | password)), session
 * key = HKDF-SHA256(S, salt u, info "Caldera Derived Key")[0..16], and the
 * client's proof = HMAC(key, poolName | userId | secretBlock | timestamp).
 * Values travel as hex, hashed in the padded form of amazon-cognito-identity-js.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const N = BigInt(
  '0x' +
    'FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD' +
    'EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED' +
    'EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F' +
    '83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B' +
    'E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510' +
    '15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7' +
    'ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C' +
    'BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF',
);
const G = 2n;
const SESSION_MS = 3 * 60_000;

/** Hex as amazon-cognito-identity-js hashes it: even length, and a leading 00 when the top bit is set. */
export function padHex(value: bigint): string {
  const hex = value.toString(16);
  if (hex.length % 2 === 1) return `0${hex}`;
  return '89abcdef'.includes(hex[0]) ? `00${hex}` : hex;
}

const hexHash = (hex: string) => createHash('sha256').update(Buffer.from(hex, 'hex')).digest('hex');
const big = (hex: string) => BigInt(`0x${hex}`);
const K = big(hexHash(padHex(N) + padHex(G)));

export function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = ((base % modulus) + modulus) % modulus;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % modulus;
    e >>= 1n;
    b = (b * b) % modulus;
  }
  return result;
}

/** `poolName` of the SRP hashes: the part of the pool id after the region. */
export function srpPoolName(poolId: string): string {
  return poolId.split('_')[1] ?? poolId;
}

/** x = H(salt | H(poolName | userId | ":" | password)). */
export function srpX(poolId: string, userId: string, password: string, salt: bigint): bigint {
  const inner = createHash('sha256')
    .update(`${srpPoolName(poolId)}${userId}:${password}`)
    .digest('hex');
  return big(hexHash(padHex(salt) + inner));
}

/** The 16-byte session key from S and u. */
export function srpSessionKey(S: bigint, u: bigint): Buffer {
  const prk = createHmac('sha256', Buffer.from(padHex(u), 'hex'))
    .update(Buffer.from(padHex(S), 'hex'))
    .digest();
  return createHmac('sha256', prk)
    .update(Buffer.concat([Buffer.from('Caldera Derived Key', 'utf8'), Buffer.from([1])]))
    .digest()
    .subarray(0, 16);
}

/** The client's proof (PASSWORD_CLAIM_SIGNATURE, base64). */
export function srpSignature(key: Buffer, poolId: string, userId: string, secretBlock: string, timestamp: string): string {
  return createHmac('sha256', key)
    .update(
      Buffer.concat([
        Buffer.from(srpPoolName(poolId), 'utf8'),
        Buffer.from(userId, 'utf8'),
        Buffer.from(secretBlock, 'base64'),
        Buffer.from(timestamp, 'utf8'),
      ]),
    )
    .digest('base64');
}

export const srpU = (A: bigint, B: bigint) => big(hexHash(padHex(A) + padHex(B)));
export const SRP_N = N;
export const SRP_G = G;
export const SRP_K = K;

interface Pending {
  readonly poolId: string;
  readonly clientId: string;
  readonly username: string;
  readonly A: bigint;
  readonly B: bigint;
  readonly b: bigint;
  readonly v: bigint;
  readonly expiresAt: number;
}

export class SrpServer {
  /** By SECRET_BLOCK: one pending PASSWORD_VERIFIER per USER_SRP_AUTH, answered once. */
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly now: () => number) {}

  /** Salt and verifier (hex) to keep for a user whose password is set. */
  verifierFor(poolId: string, username: string, password: string): { salt: string; verifier: string } {
    const salt = big(randomBytes(16).toString('hex'));
    const v = modPow(G, srpX(poolId, username, password, salt), N);
    return { salt: salt.toString(16), verifier: v.toString(16) };
  }

  /** The PASSWORD_VERIFIER challenge parameters for USER_SRP_AUTH, or undefined when SRP_A is invalid. */
  challenge(
    poolId: string,
    clientId: string,
    username: string,
    srp: { salt: string; verifier: string },
    srpA: string,
  ): Record<string, string> | undefined {
    if (!/^[0-9a-fA-F]+$/.test(srpA)) return undefined;
    const A = big(srpA);
    if (A % N === 0n) return undefined;
    const v = big(srp.verifier);
    let b: bigint;
    let B: bigint;
    do {
      b = big(randomBytes(32).toString('hex'));
      B = (K * v + modPow(G, b, N)) % N;
    } while (B === 0n);
    const now = this.now();
    for (const [block, p] of this.pending) if (p.expiresAt < now) this.pending.delete(block);
    const secretBlock = randomBytes(64).toString('base64');
    this.pending.set(secretBlock, { poolId, clientId, username, A, B, b, v, expiresAt: now + SESSION_MS });
    return { SALT: srp.salt, SRP_B: B.toString(16), SECRET_BLOCK: secretBlock, USER_ID_FOR_SRP: username, USERNAME: username };
  }

  /** Whether the PASSWORD_VERIFIER responses prove the password of the challenge `SECRET_BLOCK` names. */
  verify(poolId: string, clientId: string, username: string, responses: Record<string, string>): boolean {
    const block = responses.PASSWORD_CLAIM_SECRET_BLOCK;
    const p = block ? this.pending.get(block) : undefined;
    if (!p) return false;
    this.pending.delete(block);
    if (p.poolId !== poolId || p.clientId !== clientId || p.username !== username || p.expiresAt < this.now()) return false;
    const u = srpU(p.A, p.B);
    if (u === 0n) return false;
    const S = modPow(p.A * modPow(p.v, u, N), p.b, N);
    const expected = Buffer.from(srpSignature(srpSessionKey(S, u), poolId, username, block, responses.TIMESTAMP ?? ''), 'base64');
    const given = Buffer.from(responses.PASSWORD_CLAIM_SIGNATURE ?? '', 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}
