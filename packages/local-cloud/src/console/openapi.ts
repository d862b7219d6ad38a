/**
 * The OpenAPI document the console serves (`--openapi <file>`, the
 * `openapi` start option): any app's, the local cloud knows nothing of its
 * content. Guarantees: a start with a file that is missing, not JSON, or not
 * an OpenAPI document (no `openapi` version string, no `paths` object) fails
 * at once with the reason, never serves a broken view; the file is read
 * again on each request, so a regenerated document shows without a restart;
 * if it becomes unreadable later, the request answers 500 with the reason.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/** The console path the document is served at, under `/_console`. */
export const OPENAPI_PATH = '/openapi.json';

/** Reads and checks the document: its text, or an error that says what is wrong with the file. */
export function readOpenApi(file: string): string {
  const where = path.resolve(file);
  let text: string;
  try {
    text = readFileSync(where, 'utf8');
  } catch (error) {
    throw new Error(`--openapi ${file}: cannot read ${where} (${(error as NodeJS.ErrnoException).code ?? String(error)})`, {
      cause: error,
    });
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new Error(`--openapi ${file}: not JSON (${(error as Error).message})`, { cause: error });
  }
  const { openapi, paths } = (document ?? {}) as { openapi?: unknown; paths?: unknown };
  if (typeof openapi !== 'string' || typeof paths !== 'object' || paths === null || Array.isArray(paths)) {
    throw new Error(`--openapi ${file}: not an OpenAPI document (it needs an "openapi" version and a "paths" object)`);
  }
  return text;
}
