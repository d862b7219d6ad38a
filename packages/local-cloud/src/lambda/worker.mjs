// @ts-check
/**
 * Bootstrap of one local Lambda execution environment (forked by an execution environment of lambda/execution-environment.ts).
 *
 * Plain JavaScript so that the child needs no TypeScript loader. It plays the part of
 * Lambda's Node.js runtime: reads `LAMBDA_TASK_ROOT` and `_HANDLER` as Lambda sets them,
 * imports the bundle once (the INIT phase), then serves invocations one at a time over
 * the IPC channel, with a Lambda `context`, async and callback-style handlers, and errors
 * shaped as the runtime reports them (`errorType`, `errorMessage`, `trace`).
 *
 * Everything the handler writes to stdout/stderr is forwarded over IPC rather than the
 * pipes, so the parent sees log lines and the result in the order they happened and can
 * print `END`/`REPORT` after the invocation's own lines, as CloudWatch shows them. Lines
 * written in one turn of the event loop travel together: in a `log` message at the next
 * turn, or in the `log` field of the message that ends the invocation, whichever comes
 * first (an invocation that logs a line costs one IPC message, not two).
 *
 * Arguments: `--runtime-sdk` (the runtime ships the AWS SDK v3: `@aws-sdk/*` the bundle
 * lacks resolves from the local cloud's own, see module-resolution.mjs); `--refuse <reason>`
 * (a function the local cloud cannot run: INIT fails with InvalidRuntimeException, reason
 * given, and nothing of the function is loaded). python-bootstrap.py speaks the same protocol.
 *
 * Protocol (JSON over IPC):
 *   child -> parent: {type:'ready', maxMemoryMb} | {type:'init-error', error, maxMemoryMb}
 *                    {type:'log', text} | {type:'result', requestId, payload, durationMs, maxMemoryMb}
 *                    {type:'error', requestId, error, durationMs, maxMemoryMb, fatal}
 *                    (every message but 'log' may carry `log`: text written just before it)
 *   parent -> child: {type:'invoke', requestId, event (JSON text), deadlineMs, traceId}
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { format, types } from 'node:util';
import { installModuleResolution } from './module-resolution.mjs';

const args = process.argv.slice(2);
const refusal = args.includes('--refuse') ? args[args.indexOf('--refuse') + 1] : undefined;

/** Output not yet sent to the parent, and the immediate that will send it. */
let pendingLog = '';
/** @type {NodeJS.Immediate | undefined} */
let logFlush;

/** Sends a message to the parent, with any output written before it. @param {Record<string, unknown>} message */
function send(message) {
  if (pendingLog) {
    if (message.type === 'log') message.text = pendingLog + String(message.text ?? '');
    else message.log = pendingLog;
    pendingLog = '';
    clearImmediate(logFlush);
    logFlush = undefined;
  }
  if (process.connected && process.send) process.send(message);
}

/** Peak resident memory of this environment, what Lambda reports as "Max Memory Used". */
function maxMemoryMb() {
  return Math.max(1, Math.round(process.resourceUsage().maxRSS / 1024));
}

// ------------------------------------------------------------------ logs

for (const name of /** @type {const} */ (['stdout', 'stderr'])) {
  const stream = process[name];
  /** @type {any} */ (stream).write = (/** @type {any} */ chunk, /** @type {any} */ encoding, /** @type {any} */ callback) => {
    if (typeof encoding === 'function') callback = encoding;
    pendingLog += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    logFlush ??= setImmediate(() => send({ type: 'log', text: '' }));
    if (typeof callback === 'function') process.nextTick(callback);
    return true;
  };
}

/** @type {string | undefined} */
let currentRequestId;
const jsonLogs = (process.env.AWS_LAMBDA_LOG_FORMAT ?? '').toUpperCase() === 'JSON';

// Lambda's Node.js runtime rewrites console.* so that each line carries the time, the
// request id and the level (text format), or is a JSON object (JSON log format).
const levels = /** @type {const} */ ({ log: 'INFO', info: 'INFO', warn: 'WARN', error: 'ERROR', debug: 'DEBUG', trace: 'TRACE' });
for (const [method, level] of Object.entries(levels)) {
  /** @type {any} */ (console)[method] = (/** @type {unknown[]} */ ...args) => {
    let message = format(...args);
    if (method === 'trace') message = `Trace: ${message}\n${(new Error().stack ?? '').split('\n').slice(2).join('\n')}`;
    const timestamp = new Date().toISOString();
    const line = jsonLogs
      ? JSON.stringify({ timestamp, level, requestId: currentRequestId, message })
      : `${timestamp}\t${currentRequestId ?? 'undefined'}\t${level}\t${message}`;
    process.stdout.write(`${line}\n`);
  };
}

// ------------------------------------------------------------------ errors

/**
 * An error as Lambda's Node.js runtime serialises it for the caller.
 * @param {unknown} error
 */
function toLambdaError(error) {
  try {
    if (types.isNativeError(error) || (error instanceof Object && 'message' in error && 'name' in error)) {
      const e = /** @type {Error} */ (error);
      return { errorType: String(e.name), errorMessage: String(e.message), trace: String(e.stack ?? '').split('\n') };
    }
    return { errorType: typeof error, errorMessage: String(error), trace: [] };
  } catch {
    return {
      errorType: 'handled',
      errorMessage:
        'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack',
    };
  }
}

class RuntimeError extends Error {
  /** @param {string} type @param {string} message @param {unknown} [cause] */
  constructor(type, message, cause) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = type;
  }
}

// ------------------------------------------------------------------ init

/** Imports the module named by `_HANDLER` and returns the handler function. */
async function loadHandler() {
  if (refusal !== undefined) {
    throw new RuntimeError('InvalidRuntimeException', `The runtime or runtime version specified is not supported locally: ${refusal}`);
  }
  const taskRoot = process.env.LAMBDA_TASK_ROOT || process.cwd();
  installModuleResolution({ taskRoot, provideSdk: args.includes('--runtime-sdk') });
  const spec = process.env._HANDLER ?? 'index.handler';
  const slash = spec.lastIndexOf('/');
  const dir = spec.slice(0, slash + 1);
  const rest = spec.slice(slash + 1);
  const dot = rest.indexOf('.');
  if (dot <= 0) throw new RuntimeError('Runtime.MalformedHandlerName', `Bad handler ${spec}`);
  const moduleName = dir + rest.slice(0, dot);
  const exportPath = rest.slice(dot + 1);

  const file = ['.js', '.mjs', '.cjs'].map((ext) => path.resolve(taskRoot, moduleName + ext)).find((candidate) => existsSync(candidate));
  if (!file) {
    throw new RuntimeError(
      'Runtime.ImportModuleError',
      `Error: Cannot find module '${moduleName}'\nRequire stack:\n- ${path.join(taskRoot, '(local runtime)')}`,
    );
  }

  /** @type {any} */
  let module;
  try {
    module = await import(pathToFileURL(file).href);
  } catch (error) {
    if (error instanceof SyntaxError) throw new RuntimeError('Runtime.UserCodeSyntaxError', `${error.name}: ${error.message}`, error);
    const code = /** @type {any} */ (error)?.code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new RuntimeError('Runtime.ImportModuleError', `Error: ${/** @type {Error} */ (error).message}`, error);
    }
    throw error; // an error thrown by the module's own top-level code: reported as it is
  }

  /** @type {any} */
  let handler = module;
  /** @type {any} */
  let fallback = module.default;
  for (const part of exportPath.split('.')) {
    handler = handler?.[part];
    fallback = fallback?.[part];
  }
  handler ??= fallback;
  if (typeof handler !== 'function') {
    throw new RuntimeError('Runtime.HandlerNotFound', `${moduleName}.${exportPath} is undefined or not exported`);
  }
  return /** @type {Function} */ (handler);
}

/** @type {number} */
let invocationStart = 0;

/** Reports a failure that kills this environment (Lambda restarts it for the next call). */
function fatal(/** @type {{errorType: string, errorMessage: string, trace?: string[]}} */ error) {
  const requestId = currentRequestId;
  const durationMs = performance.now() - invocationStart;
  console.error(`${error.errorType}: ${error.errorMessage}`);
  send({ type: 'error', requestId, error, durationMs, maxMemoryMb: maxMemoryMb(), fatal: true });
  setTimeout(() => process.exit(128), 50);
}

process.on('unhandledRejection', (reason) => {
  const error = toLambdaError(reason);
  fatal({ errorType: 'Runtime.UnhandledPromiseRejection', errorMessage: `${error.errorType}: ${error.errorMessage}`, trace: error.trace });
});
process.on('uncaughtException', (error) => fatal(toLambdaError(error)));

// The parent went away (crash, kill -9): an orphaned environment must not survive it.
process.on('disconnect', () => process.exit(0));

/** @type {Function | undefined} */
let handler;
try {
  handler = await loadHandler();
  send({ type: 'ready', maxMemoryMb: maxMemoryMb() });
} catch (error) {
  send({ type: 'init-error', error: toLambdaError(error), maxMemoryMb: maxMemoryMb() });
  // Lambda discards an environment whose INIT failed; the next invocation starts a new one.
  setTimeout(() => process.exit(1), 50);
}

// ------------------------------------------------------------------ invoke

/**
 * Runs the handler whether it is async (returns a promise) or callback style (three
 * parameters, settles through `callback` or the legacy `context.succeed/fail/done`).
 * @param {Function} fn @param {unknown} event @param {Record<string, any>} context
 */
function runHandler(fn, event, context) {
  return new Promise((resolve, reject) => {
    let settled = false;
    /** @param {unknown} error @param {unknown} [result] */
    const callback = (error, result) => {
      if (settled) return;
      settled = true;
      if (error !== undefined && error !== null) reject(error);
      else resolve(result);
    };
    context.done = callback;
    context.succeed = (/** @type {unknown} */ result) => callback(null, result);
    context.fail = (/** @type {unknown} */ error) => callback(error ?? new Error('handled'));

    let returned;
    try {
      returned = fn(event, context, callback);
    } catch (error) {
      settled = true;
      reject(error);
      return;
    }
    if (returned && typeof (/** @type {any} */ (returned).then) === 'function') {
      /** @type {Promise<unknown>} */ (returned).then(
        (value) => {
          if (!settled) {
            settled = true;
            resolve(value);
          }
        },
        (error) => {
          if (!settled) {
            settled = true;
            reject(error);
          }
        },
      );
    } else if (fn.length < 3) {
      // A synchronous handler that takes no callback: Lambda answers null for it.
      settled = true;
      resolve(null);
    }
  });
}

process.on('message', async (/** @type {any} */ message) => {
  if (message?.type !== 'invoke' || !handler) return;
  const { requestId, deadlineMs, traceId } = message;
  currentRequestId = requestId;
  process.env._X_AMZN_TRACE_ID = traceId;
  const env = process.env;
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: message.invokedFunctionArn,
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: requestId,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    identity: undefined,
    clientContext: undefined,
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
  };

  invocationStart = performance.now();
  try {
    const event = JSON.parse(message.event);
    const result = await runHandler(handler, event, context);
    const durationMs = performance.now() - invocationStart;
    const payload = JSON.stringify(result === undefined ? null : result);
    send({ type: 'result', requestId, payload, durationMs, maxMemoryMb: maxMemoryMb() });
  } catch (error) {
    const durationMs = performance.now() - invocationStart;
    const lambdaError = toLambdaError(error);
    // Lambda's runtime logs the failure of the invocation itself.
    console.error(`Invoke Error \t${JSON.stringify(lambdaError)}`);
    send({ type: 'error', requestId, error: lambdaError, durationMs, maxMemoryMb: maxMemoryMb(), fatal: false });
  }
});
