/** The README reader of the executable-docs test: what it takes as an example, an answer, a table. */
import { matchesDocumented, parseReadme } from '../../support/readme';

const markdown = [
  '# Title',
  'Run `npm start`, then `npm run -s local -- user a@b.c`.',
  '## API',
  '| route | access |',
  '|---|---|',
  '| `GET /x` (header) | customer |',
  '```sh',
  'curl -s localhost:3000/x \\',
  '  -H "authorization: $T"   # the token',
  '# → 200 {"id": "…", "tags": ["a"]}',
  'curl -s "localhost:3000/y#frag"',
  'npm run optimize -- --json   # pipeable',
  '```',
  '```',
  'curl not-shell',
  '```',
].join('\n');

test('takes curl lines of shell blocks (continuations joined, comments dropped) with the answer under them', () => {
  const readme = parseReadme(markdown);
  expect(readme.calls).toEqual([
    { command: 'curl -s localhost:3000/x -H "authorization: $T"', section: 'API', status: 200, body: { id: '…', tags: ['a'] } },
    { command: 'curl -s "localhost:3000/y#frag"', section: 'API' },
  ]);
  expect(readme.npmCommands).toEqual(['npm run optimize -- --json']);
  expect(readme.npmScripts).toEqual(['local', 'optimize', 'start']);
  expect(readme.tables).toEqual([{ section: 'API', header: ['route', 'access'], rows: [['`GET /x` (header)', 'customer']] }]);
});

test('a documented body matches by the fields shown; "…" is any value', () => {
  expect(matchesDocumented({ id: 1, tags: ['a', 'b'], more: true }, { id: '…', tags: ['a'] })).toBe(true);
  expect(matchesDocumented({ tags: ['a'] }, { id: '…' })).toBe(false);
  expect(matchesDocumented({ id: 1, tags: ['b'] }, { id: '…', tags: ['a'] })).toBe(false);
  expect(matchesDocumented('text', { id: '…' })).toBe(false);
});
