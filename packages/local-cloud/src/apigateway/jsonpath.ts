/**
 * The JSONPath subset API Gateway's `$input.path` / `$input.json` and the
 * `...body.<JSONPath>` mapping expressions are written with: `$`, `.name`,
 * `['name']`, `[0]`, `[*]` / `.*`. Anything else (filters, slices, `..`) throws,
 * so that a template using it fails loudly instead of rendering nothing.
 */

type Step = { kind: 'key'; key: string } | { kind: 'index'; index: number } | { kind: 'all' };

export function parsePath(path: string): Step[] {
  const text = path.trim();
  if (!text.startsWith('$')) throw new Error(`JSONPath must start with $: ${path}`);
  const steps: Step[] = [];
  let i = 1;
  while (i < text.length) {
    const rest = text.slice(i);
    const dotted = /^\.([A-Za-z0-9_$@-]+|\*)/.exec(rest);
    const bracket = /^\[\s*(?:'([^']*)'|"([^"]*)"|(\d+)|(\*))\s*\]/.exec(rest);
    if (rest.startsWith('..')) throw new Error(`JSONPath recursive descent is not emulated: ${path}`);
    if (dotted) {
      steps.push(dotted[1] === '*' ? { kind: 'all' } : { kind: 'key', key: dotted[1]! });
      i += dotted[0].length;
    } else if (bracket) {
      if (bracket[3] !== undefined) steps.push({ kind: 'index', index: Number(bracket[3]) });
      else if (bracket[4] !== undefined) steps.push({ kind: 'all' });
      else steps.push({ kind: 'key', key: bracket[1] ?? bracket[2]! });
      i += bracket[0].length;
    } else {
      throw new Error(`JSONPath expression not emulated: ${path}`);
    }
  }
  return steps;
}

/** The value at `path` in `root`; undefined when absent. A wildcard yields a list. */
export function evaluatePath(root: unknown, path: string): unknown {
  let current: unknown[] = [root];
  let multiple = false;
  for (const step of parsePath(path)) {
    const next: unknown[] = [];
    for (const value of current) {
      if (value === null || typeof value !== 'object') continue;
      if (step.kind === 'all') {
        multiple = true;
        next.push(...(Array.isArray(value) ? value : Object.values(value)));
      } else if (step.kind === 'index') {
        if (Array.isArray(value) && step.index < value.length) next.push(value[step.index]);
      } else if (Object.hasOwn(value, step.key)) {
        next.push((value as Record<string, unknown>)[step.key]);
      }
    }
    current = next;
  }
  return multiple ? current : current[0];
}
