/**
 * The runtime's functions and their published versions, found by logical id, name or ARN.
 *
 * Guarantees: every reference Lambda accepts resolves to one function version (its name,
 * logical id, ARN, `name:version`, a qualified or partial ARN; `$LATEST` and aliases
 * resolve to $LATEST); an unknown one throws `ResourceNotFoundException`. A version is a
 * snapshot of $LATEST's settings when published; `configure` changes $LATEST only and
 * bumps its generation, so the worker pool retires workers started with the old settings.
 */
import type { LocalStack } from '../types';
import type { Worker } from './execution-environment';
import { readFunctions, type LocalFunction } from './functions';

/** Settings `configure` may change; they apply to workers started after it. */
export type FunctionPatch = Partial<Pick<LocalFunction, 'memorySizeMb' | 'timeoutSeconds' | 'environment'>>;

/** One function version ($LATEST or published) and its workers. */
export interface FunctionState {
  fn: LocalFunction;
  readonly version: string;
  /** Bumped by `configure`: a worker of an older generation is retired instead of reused. */
  generation: number;
  readonly idle: Worker[];
  readonly workers: Set<Worker>;
  running: number;
  readonly waiters: (() => void)[];
}

function newState(fn: LocalFunction, version: string): FunctionState {
  return { fn, version, generation: 0, idle: [], workers: new Set(), running: 0, waiters: [] };
}

export class FunctionRegistry {
  /** $LATEST of each function, by logical id. */
  private readonly functions = new Map<string, FunctionState>();
  private readonly byRef = new Map<string, FunctionState>();
  /** Published versions (each with workers of its own), besides `functions` ($LATEST). */
  private readonly versions = new Set<FunctionState>();

  constructor(
    private readonly stack: LocalStack,
    codeDir: string | undefined,
  ) {
    for (const fn of readFunctions(stack, { codeDir })) {
      const state = newState(fn, '$LATEST');
      this.functions.set(fn.logicalId, state);
      for (const ref of [fn.logicalId, fn.functionName, fn.arn]) this.byRef.set(ref, state);
    }
  }

  /** The functions ($LATEST), with the settings the runtime applies to them. */
  list(): LocalFunction[] {
    return [...this.functions.values()].map((s) => s.fn);
  }

  /** Every function version: $LATEST of each function, then the published versions. */
  states(): FunctionState[] {
    return [...this.functions.values(), ...this.versions];
  }

  resolve(functionRef: string): FunctionState {
    let state = this.byRef.get(functionRef);
    if (!state) {
      // An ARN with a qualifier (…:function:name:$LATEST or an alias) or a partial ARN.
      const match = /function:([^:]+)/.exec(functionRef);
      if (match) state = this.byRef.get(match[1]!);
    }
    if (!state) {
      const resource = this.stack.find(functionRef);
      if (resource) state = this.functions.get(resource.logicalId);
    }
    if (!state) {
      const error = new Error(`Function not found: ${functionRef}`);
      error.name = 'ResourceNotFoundException';
      throw error;
    }
    return state;
  }

  /** New settings for a function version; its workers from before are now of an older generation. */
  configure(state: FunctionState, patch: FunctionPatch): LocalFunction {
    state.fn = { ...state.fn, ...patch };
    state.generation++;
    return state.fn;
  }

  /** Publishes a version of $LATEST: a snapshot of its settings, `<name>:<version>` (or its ARN). */
  addVersion(functionRef: string, version: string): FunctionState {
    const base = this.resolve(functionRef);
    if (base.version !== '$LATEST') throw new Error(`${functionRef} is a version already`);
    const state = newState({ ...base.fn, arn: `${base.fn.arn}:${version}` }, version);
    this.versions.add(state);
    for (const ref of [`${state.fn.functionName}:${version}`, `${state.fn.logicalId}:${version}`, state.fn.arn]) this.byRef.set(ref, state);
    return state;
  }

  /** Forgets a published version (undefined when the reference names $LATEST); its generation is bumped. */
  removeVersion(functionRef: string, version: string): FunctionState | undefined {
    const state = this.resolve(`${this.resolve(functionRef).fn.functionName}:${version}`);
    if (state.version === '$LATEST') return undefined;
    for (const [ref, s] of this.byRef) if (s === state) this.byRef.delete(ref);
    this.versions.delete(state);
    state.generation++;
    return state;
  }
}
