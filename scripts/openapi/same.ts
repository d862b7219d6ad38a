/**
 * Compile-time equality of two types, for tying a documented schema to the
 * type a handler answers with: `const _x: Same<A, B> = true` fails
 * `npm run typecheck` as soon as the two differ in any field, optionality or
 * literal. `readonly` is ignored (the handlers' types are readonly, zod's
 * inferred ones are not); everything else counts.
 */

/** `T` without `readonly` anywhere, intersections flattened (so `A & B` equals the object with both). */
export type Plain<T> = T extends readonly (infer E)[]
  ? Plain<E>[]
  : T extends (...args: never[]) => unknown
    ? T
    : T extends object
      ? { -readonly [K in keyof T]: Plain<T[K]> }
      : T;

/** `true` when `A` and `B` are the same type (readonly aside), `false` otherwise. */
export type Same<A, B> =
  (<T>() => T extends Plain<A> ? 1 : 2) extends <T>() => T extends Plain<B> ? 1 : 2
    ? (<T>() => T extends Plain<B> ? 1 : 2) extends <T>() => T extends Plain<A> ? 1 : 2
      ? true
      : false
    : false;

/** Compiles only when `T` is `true`: `export type UserIsTied = Tie<Same<A, B>>`. */
export type Tie<T extends true> = T;
