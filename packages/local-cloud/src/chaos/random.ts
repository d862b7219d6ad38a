/**
 * The chaos faults' random decisions. With a seed, the n-th decision of a rule
 * is a pure function of (seed, rule, n): a run is reproducible rule by rule
 * however calls interleave. Without one, Math.random.
 */

/** Whether a rule of `probability` fires on its `n`-th evaluation. 1 always fires and 0 never, without a draw. */
export function decide(probability: number, seed: number | undefined, ruleKey: string, n: number): boolean {
  if (probability >= 1) return true;
  if (probability <= 0) return false;
  return uniform(seed, ruleKey, n) < probability;
}

/** A number in [0, 1): seeded, a hash of (seed, rule, n); otherwise Math.random. */
export function uniform(seed: number | undefined, ruleKey: string, n: number): number {
  if (seed === undefined) return Math.random();
  let h = mix32(fnv1a(ruleKey) ^ mix32(seed >>> 0) ^ Math.imul(seed / 2 ** 32, 0x9e3779b1));
  h = mix32(h ^ mix32(n + 0x6d2b79f5));
  return h / 2 ** 32;
}

/** FNV-1a, 32 bits. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Murmur3's finaliser: a 32-bit avalanche mix. */
function mix32(x: number): number {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
