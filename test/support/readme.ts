/**
 * README as data, for the executable-docs test: its shell examples (each
 * `curl` with the answer documented under it), the `npm run` commands it
 * shows, and its tables. Parsing is marked's lexer; nothing here runs anything.
 *
 * A documented answer is the comment line right under a `curl` line:
 *
 *   curl -s localhost:3000/users/me -H "authorization: $ID_TOKEN"
 *   # → 200 {"userId": "…", "email": "ada@example.com"}
 *
 * the status, then optionally the JSON the body contains (`"…"` matches any
 * value; objects match the keys shown, arrays element by element).
 */
import { readFileSync } from 'node:fs';
import { lexer, type Tokens } from 'marked';

export interface DocumentedCall {
  /** The command as README shows it (continuation lines joined). */
  readonly command: string;
  readonly status?: number;
  /** The JSON the body is documented to contain, when shown. */
  readonly body?: unknown;
  /** The heading the example sits under. */
  readonly section: string;
}

export interface ReadmeTable {
  readonly section: string;
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

export interface Readme {
  readonly calls: readonly DocumentedCall[];
  /** Every `npm run [-s] <script>` (and `npm start` / `npm test`) the text or examples show. */
  readonly npmScripts: readonly string[];
  /** Every `npm run [-s] <script> -- <args>` line of the shell examples, as shown. */
  readonly npmCommands: readonly string[];
  readonly tables: readonly ReadmeTable[];
}

const ANSWER = /^#\s*→\s*(\d{3})\s*(.*)$/;
const SCRIPT = /\bnpm (?:run(?: -s)?|run-script) ([A-Za-z0-9:_-]+)|\bnpm (start|test)\b/g;

export function readReadme(file: string): Readme {
  return parseReadme(readFileSync(file, 'utf8'));
}

export function parseReadme(markdown: string): Readme {
  const calls: DocumentedCall[] = [];
  const npmCommands: string[] = [];
  const tables: ReadmeTable[] = [];
  let section = '';
  for (const token of lexer(markdown)) {
    if (token.type === 'heading') section = (token as Tokens.Heading).text;
    else if (token.type === 'table') {
      const table = token as Tokens.Table;
      tables.push({ section, header: table.header.map((c) => c.text), rows: table.rows.map((r) => r.map((c) => c.text)) });
    } else if (token.type === 'code' && ['sh', 'bash', 'shell'].includes((token as Tokens.Code).lang ?? '')) {
      const lines = joinContinuations((token as Tokens.Code).text.split('\n'));
      lines.forEach((line, i) => {
        const command = stripComment(line);
        if (/^npm run\b/.test(command)) npmCommands.push(command);
        if (!/^curl\b/.test(command)) return;
        calls.push({ command, section, ...answerOf(lines[i + 1]) });
      });
    }
  }
  const npmScripts = [...new Set([...markdown.matchAll(SCRIPT)].map((m) => m[1] ?? m[2]!))].sort();
  return { calls, npmScripts, npmCommands, tables };
}

/** The status and body documented on `line` (`# → 200 {...}`), if it is such a comment. */
function answerOf(line: string | undefined): Pick<DocumentedCall, 'status' | 'body'> {
  const m = line === undefined ? null : ANSWER.exec(line.trim());
  if (!m) return {};
  const rest = m[2]!.trim();
  return { status: Number(m[1]), ...(rest.startsWith('{') || rest.startsWith('[') ? { body: JSON.parse(rest) as unknown } : {}) };
}

function joinContinuations(lines: readonly string[]): string[] {
  const out: string[] = [];
  let pending = '';
  for (const line of lines) {
    if (line.trimEnd().endsWith('\\')) pending += `${line.trimEnd().slice(0, -1).trimEnd()} `;
    else {
      out.push(pending + (pending ? line.trim() : line));
      pending = '';
    }
  }
  if (pending) out.push(pending.trimEnd());
  return out;
}

/** The command without a trailing `# comment` (a `#` inside quotes is kept). */
function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) return line.slice(0, i).trim();
  }
  return line.trim();
}

/** True when `actual` contains `documented`: `"…"` matches anything, objects by the keys shown, arrays element-wise. */
export function matchesDocumented(actual: unknown, documented: unknown): boolean {
  if (documented === '…') return actual !== undefined;
  if (Array.isArray(documented)) {
    return Array.isArray(actual) && documented.every((d, i) => matchesDocumented(actual[i], d));
  }
  if (documented !== null && typeof documented === 'object') {
    if (actual === null || typeof actual !== 'object') return false;
    return Object.entries(documented).every(([k, v]) => matchesDocumented((actual as Record<string, unknown>)[k], v));
  }
  return actual === documented;
}
