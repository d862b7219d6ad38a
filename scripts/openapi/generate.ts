/**
 * `npm run docs:openapi`: writes docs/openapi.json, the OpenAPI 3.1 document
 * of the API (document.ts). Run it after changing a route, a request schema or
 * a response; `test/unit/docs/openapi.test.ts` fails while the file is stale.
 */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { OPENAPI_FILE, renderOpenApi } from './document';

const ROOT = path.join(__dirname, '..', '..');

writeFileSync(path.join(ROOT, OPENAPI_FILE), renderOpenApi());
process.stdout.write(`wrote ${OPENAPI_FILE}\n`);
