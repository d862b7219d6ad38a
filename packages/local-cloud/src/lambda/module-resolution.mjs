// @ts-check
/**
 * How a function's bare imports resolve in a local execution environment, as in
 * Lambda's: first from the function's own code (`LAMBDA_TASK_ROOT` and the
 * node_modules inside it), then, for `@aws-sdk/*` on runtimes that ship the SDK
 * v3 (nodejs18.x and later), from the SDK the local cloud itself depends on —
 * the part Lambda's runtime provides in `/var/runtime/node_modules`. A bare
 * import is never resolved from the folders above the task root (the app's
 * own node_modules, say), where Lambda has nothing either: a module the bundle
 * left out fails here as it would on AWS, with `Cannot find module`.
 *
 * Both module systems are covered: `require` (CommonJS, also `createRequire`
 * in ESM bundles) by wrapping Node's CommonJS resolution in this thread, `import`
 * by resolve hooks registered with `module.register` (they run in Node's loader
 * thread: `initialize` and `resolve` below).
 */
import Module, { createRequire, isBuiltin, register } from 'node:module';
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Resolves from the local cloud's own dependencies (this file is inside the package). */
const SDK_PARENT_URL = import.meta.url;

/** @param {string} taskRoot */
function rootsOf(taskRoot) {
  const roots = [path.resolve(taskRoot)];
  try {
    roots.push(realpathSync(taskRoot));
  } catch {
    // a task root that does not exist: its imports fail on their own
  }
  return roots;
}

/** @param {string[]} roots @param {string} file */
function inside(roots, file) {
  return roots.some((root) => file === root || file.startsWith(root + path.sep));
}

/** A bare specifier: a package name, not a path, URL, builtin or `#` import. @param {string} specifier */
function isBare(specifier) {
  return !/^(\.|\/|#|[a-zA-Z][a-zA-Z0-9+.-]*:)/.test(specifier) && !isBuiltin(specifier);
}

/** @param {string} specifier */
function isSdk(specifier) {
  return specifier.startsWith('@aws-sdk/');
}

/**
 * Installs both resolutions in this process, before the handler is imported.
 * @param {{ taskRoot: string, provideSdk: boolean }} options
 */
export function installModuleResolution({ taskRoot, provideSdk }) {
  const roots = rootsOf(taskRoot);
  const sdkRequire = createRequire(SDK_PARENT_URL);
  const M = /** @type {any} */ (Module);

  // CommonJS: the node_modules folders searched from inside the task root stop at the task root.
  const nodeModulePaths = M._nodeModulePaths;
  M._nodeModulePaths = function (/** @type {string} */ from) {
    const paths = nodeModulePaths.call(this, from);
    return inside(roots, path.resolve(from)) ? paths.filter((/** @type {string} */ p) => inside(roots, p)) : paths;
  };
  // CommonJS: what the task root does not have of the SDK comes from the runtime's (ours).
  const resolveFilename = M._resolveFilename;
  M._resolveFilename = function (/** @type {string} */ request, /** @type {any} */ parent, /** @type {unknown[]} */ ...rest) {
    try {
      return resolveFilename.call(this, request, parent, ...rest);
    } catch (error) {
      const fromTask = typeof parent?.filename !== 'string' || inside(roots, parent.filename);
      if (provideSdk && fromTask && isSdk(request) && /** @type {any} */ (error)?.code === 'MODULE_NOT_FOUND') {
        return sdkRequire.resolve(request);
      }
      throw error;
    }
  };

  register('./module-resolution.mjs', import.meta.url, { data: { roots, provideSdk } });
}

// ---------------------------------------------------------------- ESM hooks (Node's loader thread)

/** @type {{ roots: string[], provideSdk: boolean }} */
let settings = { roots: [], provideSdk: false };

/** @param {{ roots: string[], provideSdk: boolean }} data */
export async function initialize(data) {
  settings = data;
}

/**
 * @param {string} specifier
 * @param {{ parentURL?: string, conditions: string[], importAttributes?: Record<string, string> }} context
 * @param {(specifier: string, context?: object) => Promise<{ url: string }>} nextResolve
 */
export async function resolve(specifier, context, nextResolve) {
  const parent = context.parentURL?.startsWith('file:') ? fileURLToPath(context.parentURL) : undefined;
  if (!parent || !isBare(specifier) || !inside(settings.roots, parent)) return nextResolve(specifier, context);
  /** @type {unknown} */
  let failure;
  try {
    const found = await nextResolve(specifier, context);
    if (!found.url.startsWith('file:') || inside(settings.roots, fileURLToPath(found.url))) return found;
  } catch (error) {
    failure = error;
  }
  if (settings.provideSdk && isSdk(specifier)) return nextResolve(specifier, { ...context, parentURL: SDK_PARENT_URL });
  if (failure) throw failure;
  const error = new Error(`Cannot find package '${specifier}' imported from ${parent}`);
  /** @type {any} */ (error).code = 'ERR_MODULE_NOT_FOUND';
  throw error;
}
