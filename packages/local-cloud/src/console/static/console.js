// The local console's page: polls /_console/api/state once a second and redraws the
// sections whose data changed (no reload, no framework). Text is always set as text, never as HTML.
/* global document, Node */
'use strict';

const API = '/_console/api';
const POLL_MS = 1000;
let lastState = {};

/** Builds an element: h('td', { class: 'x' }, 'text', child...). */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else if (value !== undefined && value !== null) el.setAttribute(name, String(value));
  }
  for (const child of children.flat()) el.append(child instanceof Node ? child : String(child ?? ''));
  return el;
}

function table(caption, headers, rows) {
  if (rows.length === 0) return h('p', { class: 'empty' }, `No ${caption[0].toLowerCase()}${caption.slice(1)} yet.`);
  return h(
    'table',
    {},
    h('caption', { class: 'visually-hidden' }, caption),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        headers.map((text) => h('th', { scope: 'col' }, text)),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((cells) =>
        h(
          'tr',
          {},
          cells.map((cell) => h('td', {}, cell)),
        ),
      ),
    ),
  );
}

const renderers = {
  functions: (fns) =>
    table(
      'Functions',
      ['Function', 'Local name', 'Triggers', 'Runtime', 'Timeout'],
      fns.map((f) => [f.displayName, h('code', {}, f.name), f.triggers.join(', ') || 'direct', f.runtime, `${f.timeoutSeconds} s`]),
    ),
  invocations: (list) =>
    table(
      'Invocations',
      ['Time', 'Function', 'Trigger', 'Status', 'Duration', 'Start', 'Log'],
      list.map((i) => [
        new Date(i.timestamp).toLocaleTimeString(),
        i.functionName,
        i.trigger,
        h('span', { class: i.status }, i.status),
        `${i.durationMs} ms`,
        i.cold ? `cold (${i.initDurationMs} ms init)` : 'warm',
        h('details', {}, h('summary', {}, `${i.logs.length} log lines`), h('pre', {}, i.logs.join('\n'))),
      ]),
    ),
  events: (list) =>
    table(
      'Events',
      ['Time', 'Bus', 'Source', 'Detail type', 'Rules and deliveries', 'Detail'],
      list.map((e) => [
        new Date(e.time).toLocaleTimeString(),
        e.bus,
        e.source,
        e.detailType,
        e.deliveries.length === 0
          ? h('span', { class: 'empty' }, 'matched no rule')
          : h(
              'ul',
              {},
              e.deliveries.map((d) => h('li', {}, h('strong', {}, d.rule), ': ', d.outcome)),
              e.deadLetteredIn.map((q) => h('li', { class: 'error' }, `then failed: now a dead letter in ${q}`)),
            ),
        h('pre', {}, JSON.stringify(e.detail)),
      ]),
    ),
  deadLetterQueues: (queues) =>
    queues.length === 0
      ? h('p', { class: 'empty' }, 'The stack has no dead-letter queue.')
      : h(
          'div',
          {},
          queues.map((q) =>
            h(
              'article',
              { 'aria-label': `Dead-letter queue ${q.name}`, 'data-queue': q.name },
              h('h3', {}, q.name, ` (${q.messages.length} message${q.messages.length === 1 ? '' : 's'})`),
              h('p', {}, `Receives from: ${q.usedBy.join('; ')}.`),
              q.redriveTo
                ? h(
                    'button',
                    { type: 'button', onclick: () => redrive(q.name), disabled: q.messages.length === 0 ? '' : undefined },
                    `Redrive to ${q.redriveTo.kind} ${q.redriveTo.name}`,
                  )
                : h('p', { class: 'empty' }, 'Nothing to redrive to (the dead-letter queue of a rule target).'),
              table(
                `Messages in ${q.name}`,
                ['Message id', 'Body', 'Attributes', 'Receives'],
                q.messages.map((m) => [
                  h('code', {}, m.messageId),
                  h('pre', {}, m.body),
                  h(
                    'pre',
                    {},
                    Object.entries(m.attributes)
                      .map(([k, v]) => `${k}=${v.StringValue ?? ''}`)
                      .join('\n'),
                  ),
                  m.receiveCount,
                ]),
              ),
            ),
          ),
        ),
  chaos: (chaos) =>
    h(
      'div',
      {},
      table(
        'Chaos rules',
        ['Service', 'Operation', 'Region', 'Probability', 'Error'],
        chaos.rules.map((r) => [
          r.service ?? 'any',
          r.operation ?? 'any',
          r.region ?? 'any',
          r.probability ?? 1,
          JSON.stringify(r.error ?? {}),
        ]),
      ),
      h('p', {}, `Latency: ${chaos.effects.latency ?? 0} ms.`),
    ),
  resources: (groups) =>
    h(
      'div',
      {},
      groups.map((g) =>
        h(
          'details',
          {},
          h('summary', {}, `${g.type} (${g.resources.length})`),
          table(
            g.type,
            ['Logical id', 'Local name'],
            g.resources.map((r) => [r.logicalId, h('code', {}, r.localName)]),
          ),
        ),
      ),
    ),
};

function render(state) {
  document.getElementById('stack').textContent = state.stack;
  for (const [key, draw] of Object.entries(renderers)) {
    const text = JSON.stringify(state[key]);
    if (text === JSON.stringify(lastState[key])) continue;
    const target = document.querySelector(`[data-render="${key}"]`);
    const open = [...target.querySelectorAll('details[open] > summary')].map((s) => s.textContent);
    target.replaceChildren(draw(state[key]));
    for (const s of target.querySelectorAll('details > summary')) if (open.includes(s.textContent)) s.parentElement.open = true;
  }
  if (JSON.stringify(state.tables) !== JSON.stringify(lastState.tables)) renderTables(state.tables);
  lastState = state;
}

async function poll() {
  const status = document.getElementById('status');
  try {
    const res = await fetch(`${API}/state`, { cache: 'no-store' });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    render(await res.json());
    status.textContent = `Live: updated ${new Date().toLocaleTimeString()}`;
  } catch (error) {
    status.textContent = `Cannot reach the local cloud (${error.message}); retrying.`;
  }
  setTimeout(poll, POLL_MS);
}

async function redrive(name) {
  const res = await fetch(`${API}/dead-letter-queues/${encodeURIComponent(name)}/redrive`, {
    method: 'POST',
    headers: { 'X-Local-Console': '1' },
  });
  const answer = await res.json();
  document.getElementById('status').textContent = res.ok
    ? `Redrove ${answer.moved} message(s) from ${name} to ${answer.to}.`
    : `Redrive failed: ${answer.message}`;
}

function renderTables(tables) {
  const select = document.getElementById('table-name');
  select.replaceChildren(...tables.map((t) => h('option', { value: t.name }, t.name)));
  select.onchange = () => renderKeyFields(tables);
  renderKeyFields(tables);
}

function renderKeyFields(tables) {
  const chosen = tables.find((t) => t.name === document.getElementById('table-name').value);
  document
    .getElementById('table-key-fields')
    .replaceChildren(
      ...(chosen ? chosen.keys : []).map((k) =>
        h(
          'span',
          {},
          h('label', { for: `key-${k.name}` }, `${k.name} (${k.type}, ${k.keyType === 'HASH' ? 'partition' : 'sort'} key)`),
          h('input', { id: `key-${k.name}`, name: k.name, 'data-type': k.type }),
        ),
      ),
    );
}

async function showTable(url) {
  const output = document.getElementById('table-output');
  const res = await fetch(url, { cache: 'no-store' });
  output.textContent = JSON.stringify(await res.json(), null, 2);
}

document.addEventListener('DOMContentLoaded', () => {
  const form = document.getElementById('table-form');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void showTable(`${API}/tables/${encodeURIComponent(form.table.value)}/items?limit=25`);
  });
  document.getElementById('get-item').addEventListener('click', () => {
    const key = {};
    for (const input of document.querySelectorAll('#table-key-fields input')) key[input.name] = { [input.dataset.type]: input.value };
    void showTable(`${API}/tables/${encodeURIComponent(form.table.value)}/item?key=${encodeURIComponent(JSON.stringify(key))}`);
  });
  void poll();
});
