// GraphiQL in the browser, served by natlens itself (no CDN): `scripts/build-graphiql.mjs` bundles
// this file, GraphiQL and React into assets/graphiql.js and assets/graphiql.css at build time, and
// graphiql.controller.ts serves them with the page at GET /graphql.
//
// The API key is pasted into the bar above the editor, kept in sessionStorage (this tab only, gone
// when it closes; never in the URL or localStorage) and sent as the Authorization header.
/* global window, document, sessionStorage, fetch */
import { createElement as h, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import 'graphiql/style.css';
import './client.css';

const STORAGE_KEY = 'natlens.graphql.authorization';
/** The page's own URL: GET answers this page, POST runs queries. */
const ENDPOINT = window.location.pathname;

const DEFAULT_QUERY = `# natlens GraphQL. Paste an API key above
# (natlens keys create --project NAME): it stays
# in this tab and is sent as Authorization: Bearer.
# The Docs (top left) need no key. Run: Ctrl-Enter.
query Recent {
  version {
    natlens
  }
  analyses(first: 5) {
    edges {
      node {
        id
        name
        status
        createdAt
      }
    }
  }
}
`;

/** The Authorization header for what was pasted: an nl_ key, a share token, or a whole header value. */
function authorization(pasted) {
  const value = pasted.trim();
  if (!value) return '';
  if (/^(Bearer|Share)\s+\S+$/i.test(value)) return value;
  if (value.startsWith('nls1.')) return `Share ${value}`;
  return `Bearer ${value}`;
}

function stored() {
  try {
    return sessionStorage.getItem(STORAGE_KEY) ?? '';
  } catch {
    return '';
  }
}

async function fetcher(params, options) {
  const headers = { 'content-type': 'application/json', accept: 'application/json' };
  const auth = stored();
  if (auth) headers.authorization = auth;
  Object.assign(headers, options?.headers ?? {});
  const res = await fetch(ENDPOINT, {
    method: 'POST',
    headers,
    body: JSON.stringify(params),
    credentials: 'omit',
  });
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    return { errors: [{ message: `HTTP ${res.status} from ${ENDPOINT}: ${text.slice(0, 500)}` }] };
  }
}

function describe(auth) {
  if (!auth) return 'No API key: only the schema (Docs) and version answer.';
  const [scheme, secret] = auth.split(/\s+/, 2);
  const shown = secret.length > 12 ? `${secret.slice(0, 8)}…` : '…';
  return scheme.toLowerCase() === 'share'
    ? `Share link token ${shown} in use (this tab only): read-only, one analysis.`
    : `API key ${shown} in use (this tab only).`;
}

function KeyBar() {
  const [auth, setAuth] = useState(stored);
  const [draft, setDraft] = useState('');
  const save = (event) => {
    event.preventDefault();
    const value = authorization(draft);
    if (!value) return;
    sessionStorage.setItem(STORAGE_KEY, value);
    setAuth(value);
    setDraft('');
  };
  const forget = () => {
    sessionStorage.removeItem(STORAGE_KEY);
    setAuth('');
  };
  return h(
    'form',
    { className: 'natlens-keybar', onSubmit: save, autoComplete: 'off' },
    h('strong', null, 'natlens GraphQL'),
    h('label', { htmlFor: 'natlens-key' }, 'API key'),
    h('input', {
      id: 'natlens-key',
      name: 'natlens-key',
      type: 'password',
      placeholder: 'nl_… (kept in this tab only)',
      value: draft,
      spellCheck: false,
      onChange: (event) => setDraft(event.target.value),
    }),
    h('button', { type: 'submit', disabled: !draft.trim() }, 'Use key'),
    h('button', { type: 'button', onClick: forget, disabled: !auth }, 'Forget'),
    h('span', { className: 'natlens-keystate', role: 'status' }, describe(auth)),
  );
}

function App() {
  return h(
    'div',
    { className: 'natlens-shell' },
    h(KeyBar),
    h(
      'div',
      { className: 'natlens-editor' },
      h(GraphiQL, {
        fetcher,
        defaultQuery: DEFAULT_QUERY,
        shouldPersistHeaders: false,
        defaultEditorToolsVisibility: false,
      }),
    ),
  );
}

createRoot(document.getElementById('natlens-graphiql')).render(h(App));
