// The console's API view: when the local cloud was started with an OpenAPI document
// (--openapi FILE), lists its operations (method, path, summary, security, request
// schema, responses), read once at load. Without one (404) the view stays hidden.
// Text is always set as text, never as HTML.
/* global document, Node */
// Wrapped in a function: console.js's top-level names (render, h...) share the page's global scope.
(() => {
  'use strict';

  const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

  /** Builds an element: el('td', { class: 'x' }, 'text', child...). */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) if (value !== undefined) node.setAttribute(name, String(value));
    for (const child of children.flat()) node.append(child instanceof Node ? child : String(child ?? ''));
    return node;
  }

  /** The value a local `$ref` (`#/components/...`) points at, or undefined. */
  function resolve(doc, ref) {
    if (typeof ref !== 'string' || !ref.startsWith('#/')) return undefined;
    return ref
      .slice(2)
      .split('/')
      .reduce((node, key) => (node === undefined ? undefined : node[key.replace(/~1/g, '/').replace(/~0/g, '~')]), doc);
  }

  const refName = (ref) => ref.split('/').pop();

  /** A schema as a short name (its component, or its type) and, in a disclosure, its JSON. */
  function schemaView(doc, schema, label) {
    if (!schema) return el('span', { class: 'empty' }, 'none');
    const refs = schema.$ref ? [schema.$ref] : (schema.oneOf || schema.anyOf || []).map((s) => s.$ref).filter(Boolean);
    const name = refs.length > 0 ? refs.map(refName).join(' or ') : schema.type || 'schema';
    const shown = refs.length > 0 ? Object.fromEntries(refs.map((r) => [refName(r), resolve(doc, r)])) : schema;
    return el(
      'details',
      {},
      el('summary', { 'aria-label': `${label}: ${name}` }, el('code', {}, name)),
      el('pre', {}, JSON.stringify(shown, null, 2)),
    );
  }

  /** `idToken` or `machineToken (commerce/activity.write) + apiKey`; alternatives joined by "or". */
  function securityText(doc, operation) {
    const requirements = operation.security ?? doc.security ?? [];
    if (requirements.length === 0) return 'none';
    return requirements
      .map((requirement) =>
        Object.entries(requirement)
          .map(([scheme, scopes]) => (scopes.length > 0 ? `${scheme} (${scopes.join(', ')})` : scheme))
          .join(' + '),
      )
      .join(' or ');
  }

  /** The statuses in a disclosure's summary; each answer's description and body schema inside. */
  function responsesView(doc, responses) {
    const entries = Object.entries(responses || {});
    if (entries.length === 0) return el('span', { class: 'empty' }, 'none');
    return el(
      'details',
      {},
      el('summary', {}, entries.map(([status]) => status).join(', ')),
      el(
        'ul',
        {},
        entries.map(([status, response]) => {
          const answer = response.$ref ? resolve(doc, response.$ref) || {} : response;
          const schema = answer.content?.['application/json']?.schema;
          return el(
            'li',
            {},
            el('strong', {}, status),
            ' ',
            answer.description || '',
            schema ? [' ', schemaView(doc, schema, `${status} body`)] : [],
          );
        }),
      ),
    );
  }

  function operationsOf(doc) {
    return Object.entries(doc.paths || {}).flatMap(([path, item]) =>
      METHODS.filter((method) => item[method]).map((method) => ({ path, method, operation: item[method] })),
    );
  }

  function render(doc) {
    document.getElementById('api-info').textContent =
      ` — ${doc.info?.title ?? 'untitled'} ${doc.info?.version ?? ''} (OpenAPI ${doc.openapi})`;
    const rows = operationsOf(doc).map(({ path, method, operation }) =>
      el(
        'tr',
        { 'data-operation': `${method.toUpperCase()} ${path}` },
        el('td', {}, el('code', {}, method.toUpperCase())),
        el('td', {}, el('code', {}, path)),
        el('td', {}, operation.summary || operation.operationId || ''),
        el('td', {}, securityText(doc, operation)),
        el('td', {}, schemaView(doc, operation.requestBody?.content?.['application/json']?.schema, 'Request body')),
        el('td', {}, responsesView(doc, operation.responses)),
      ),
    );
    const headers = ['Method', 'Path', 'Summary', 'Security', 'Request body', 'Responses'];
    document.getElementById('api-operations').replaceChildren(
      el(
        'table',
        {},
        el('caption', { class: 'visually-hidden' }, 'API operations'),
        el(
          'thead',
          {},
          el(
            'tr',
            {},
            headers.map((text) => el('th', { scope: 'col' }, text)),
          ),
        ),
        el('tbody', {}, rows),
      ),
    );
    document.getElementById('api').hidden = false;
    document.getElementById('api-link').hidden = false;
  }

  document.addEventListener('DOMContentLoaded', async () => {
    try {
      const res = await fetch('/_console/openapi.json', { cache: 'no-store' });
      if (res.ok) render(await res.json());
    } catch {
      // No document, or the cloud is unreachable: the view stays hidden (the status line tells the latter).
    }
  });
})();
