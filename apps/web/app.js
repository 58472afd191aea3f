// natlens web UI: plain ES modules served by the api (no bundler, nothing from the internet).
// Pages: sign in, analyses (list, uploads, start), an analysis (summary, findings, services, flows),
// a flow (ladder diagram, perspectives, translations, findings, pcapng, Mermaid). Client-side
// routing with the history API; the api answers index.html for every page path.
import { ApiError, apiKey, download, gql, share, signIn, signOut, upload, useShare } from './api.js';
import { buildLadder, duration, mermaid, renderLadder, svg } from './ladder.js';

const main = document.getElementById('main');
const status = document.getElementById('status');
let page = { timers: [], alive: true };

// ---------------------------------------------------------------- DOM helpers

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (['value', 'checked', 'disabled', 'selected', 'hidden'].includes(k)) el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function link(href, ...children) {
  return h('a', { href }, ...children);
}

function say(message) {
  status.textContent = '';
  setTimeout(() => (status.textContent = message), 30);
}

async function copy(text, what) {
  try {
    if (navigator.clipboard && window.isSecureContext) await navigator.clipboard.writeText(text);
    else {
      const area = h('textarea', { class: 'offscreen', 'aria-hidden': 'true' }, text);
      document.body.append(area);
      area.select();
      document.execCommand('copy');
      area.remove();
    }
    say(`${what} copied`);
  } catch (error) {
    say(`could not copy ${what}: ${error.message}`);
  }
}

function copyButton(text, what = 'command') {
  return h(
    'button',
    { type: 'button', class: 'copy', onclick: () => copy(text, what), 'aria-label': `Copy ${what}` },
    'Copy',
  );
}

function badge(text, kind = String(text).toLowerCase()) {
  return h('span', { class: `badge ${kind}` }, text);
}

function table(headers, rows, attrs = {}) {
  return h(
    'table',
    attrs,
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        headers.map((t) => h('th', { scope: 'col' }, t)),
      ),
    ),
    h('tbody', {}, rows),
  );
}

function when(iso) {
  return iso ? new Date(iso).toLocaleString() : '';
}

function errorBox(error) {
  return h('p', { class: 'error', role: 'alert' }, error instanceof Error ? error.message : String(error));
}

function later(fn, ms) {
  const p = page;
  const id = setTimeout(() => p.alive && fn(), ms);
  p.timers.push(id);
}

// ---------------------------------------------------------------- routing

function navigate(path, replace = false) {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  render();
}

document.addEventListener('click', (event) => {
  const a = event.target.closest?.('a[href]');
  if (!a || a.target || a.hasAttribute('download') || event.defaultPrevented) return;
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || !isPage(url.pathname)) return;
  event.preventDefault();
  if (url.pathname + url.search !== location.pathname + location.search) navigate(url.pathname + url.search);
  else if (url.hash) document.getElementById(url.hash.slice(1))?.scrollIntoView();
});
window.addEventListener('popstate', () => render());

function isPage(path) {
  return path === '/' || path === '/analyses' || path.startsWith('/analyses/');
}

function route(path) {
  let m;
  if (path === '/' || path === '/analyses' || path === '/analyses/') return () => analysesPage();
  if ((m = /^\/analyses\/([^/]+)\/flows\/([^/]+)\/?$/.exec(path)))
    return () => flowPage(decodeURIComponent(m[1]), decodeURIComponent(m[2]));
  if ((m = /^\/analyses\/([^/]+)\/?$/.exec(path))) return () => analysisPage(decodeURIComponent(m[1]));
  return () => [
    h('h1', { tabindex: '-1' }, 'Not found'),
    h('p', {}, 'No such page. ', link('/', 'Back to the analyses')),
  ];
}

async function render() {
  page.alive = false;
  page.timers.forEach(clearTimeout);
  page = { timers: [], alive: true };
  const current = page;
  // A share link's token moves from the URL into this tab's sessionStorage, out of the address bar.
  const token = new URLSearchParams(location.search).get('share');
  const shared = /^\/analyses\/([^/]+)/.exec(location.pathname);
  if (token && shared) {
    useShare(decodeURIComponent(shared[1]), token);
    history.replaceState(null, '', location.pathname);
  }
  renderHeader();
  const held = share();
  if (held && !location.pathname.startsWith(`/analyses/${held.analysisId}`)) {
    main.replaceChildren(
      h('h1', { tabindex: '-1' }, 'Shared analysis'),
      h('p', {}, 'This tab holds a share link: it opens one analysis, read-only. '),
      h(
        'p',
        {},
        link(`/analyses/${held.analysisId}`, 'Open the shared analysis'),
        ' or use an API key (Sign in, top right).',
      ),
    );
    return;
  }
  if (!apiKey() && !held) {
    main.replaceChildren(...signInPage());
    main.querySelector('input[name=apiKey]')?.focus();
    return;
  }
  main.replaceChildren(h('p', { class: 'loading' }, 'Loading…'));
  try {
    const content = await route(location.pathname)();
    if (!current.alive) return;
    main.replaceChildren(...[content].flat());
  } catch (error) {
    if (!current.alive) return;
    if (error instanceof ApiError && error.status === 401 && !share()) {
      signOut();
      return render();
    }
    main.replaceChildren(
      h('h1', { tabindex: '-1' }, 'Something went wrong'),
      errorBox(error),
      h('p', {}, link('/', 'Back to the analyses')),
    );
  }
  document.title = `${main.querySelector('h1')?.textContent ?? 'natlens'} · natlens`;
  main.querySelector('h1')?.focus({ preventScroll: true });
}

function renderHeader() {
  const nav = document.getElementById('nav');
  const held = share();
  if (held) {
    nav.replaceChildren(
      link(`/analyses/${held.analysisId}`, 'Shared analysis'),
      h('span', { class: 'muted' }, 'read-only share link'),
      h(
        'button',
        {
          type: 'button',
          class: 'link',
          onclick: () => {
            signOut();
            navigate('/');
          },
        },
        'Sign in with a key',
      ),
    );
    return;
  }
  nav.replaceChildren(
    ...(apiKey()
      ? [
          link('/', 'Analyses'),
          h(
            'button',
            {
              type: 'button',
              class: 'link',
              onclick: () => {
                signOut();
                say('signed out');
                navigate('/');
              },
            },
            'Sign out',
          ),
        ]
      : []),
  );
}

// ---------------------------------------------------------------- sign in

function signInPage() {
  const error = h('p', { class: 'error', role: 'alert', hidden: true });
  const input = h('input', {
    name: 'apiKey',
    id: 'apiKey',
    type: 'password',
    autocomplete: 'off',
    required: true,
    placeholder: 'nl_…',
    spellcheck: 'false',
  });
  const form = h(
    'form',
    {
      class: 'signin',
      onsubmit: async (event) => {
        event.preventDefault();
        const key = input.value.trim();
        error.hidden = true;
        try {
          await gql('{ analyses(first: 1) { totalCount } }', {}, key);
          signIn(key);
          input.value = '';
          render();
        } catch (e) {
          error.textContent =
            e instanceof ApiError && e.status === 401 ? `That key was refused: ${e.message}` : e.message;
          error.hidden = false;
        }
      },
    },
    h('label', { for: 'apiKey' }, 'API key'),
    input,
    h('button', { type: 'submit' }, 'Sign in'),
    error,
    h(
      'p',
      { class: 'hint' },
      'A project key (',
      h('code', {}, 'natlens keys create --project NAME'),
      '). It is kept in this tab only (sessionStorage) and sent as ',
      h('code', {}, 'Authorization: Bearer'),
      '.',
    ),
  );
  return [h('h1', { tabindex: '-1' }, 'Sign in'), form];
}

// ---------------------------------------------------------------- analyses

const ANALYSES = `query($after: String) { analyses(first: 50, after: $after) { totalCount pageInfo { hasNextPage endCursor }
  edges { node { id name status stage progress error createdAt finishedAt counts { flows findings errors } } } } }`;

function progressCell(a) {
  if (a.status === 'SUCCEEDED' || a.status === 'FAILED')
    return a.status === 'FAILED' ? h('span', { class: 'error-text' }, a.error ?? '') : '';
  return h(
    'span',
    { class: 'progress' },
    h('progress', { max: 100, value: a.progress, 'aria-label': `${a.progress}%` }),
    ` ${a.progress}%`,
  );
}

function analysisRow(a) {
  return h(
    'tr',
    { 'data-testid': 'analysis-row', 'data-status': a.status },
    h('td', {}, link(`/analyses/${a.id}`, a.name || a.id.slice(0, 8))),
    h('td', {}, badge(a.status)),
    h('td', {}, a.stage ?? ''),
    h('td', {}, progressCell(a)),
    h('td', { class: 'num' }, a.counts?.flows ?? ''),
    h(
      'td',
      { class: 'num' },
      a.counts ? `${a.counts.findings ?? 0}${a.counts.errors ? ` (${a.counts.errors} errors)` : ''}` : '',
    ),
    h('td', {}, when(a.createdAt)),
  );
}

async function analysesPage() {
  const body = h('tbody');
  const more = h('p');
  const total = h('span', { class: 'muted' });
  const list = h(
    'table',
    { class: 'analyses' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Analysis', 'Status', 'Stage', 'Progress', 'Flows', 'Findings', 'Created'].map((t) =>
          h('th', { scope: 'col' }, t),
        ),
      ),
    ),
    body,
  );
  let loaded = [];
  const load = async (after = null) => {
    const data = await gql(ANALYSES, { after });
    const rows = data.analyses.edges.map((e) => e.node);
    loaded = after ? [...loaded, ...rows] : rows;
    body.replaceChildren(...loaded.map(analysisRow));
    if (!loaded.length)
      body.append(
        h(
          'tr',
          {},
          h('td', { colspan: 7, class: 'muted' }, 'No analyses yet: upload captures below and start one.'),
        ),
      );
    total.textContent = ` ${data.analyses.totalCount} in this project`;
    more.replaceChildren(
      data.analyses.pageInfo.hasNextPage
        ? h(
            'button',
            {
              type: 'button',
              onclick: () => load(data.analyses.pageInfo.endCursor).catch((e) => more.append(errorBox(e))),
            },
            'More analyses',
          )
        : '',
    );
  };
  await load();
  // Poll while anything is queued or running (the list is small; GraphQL `analysisProgress` is the push form).
  const poll = async () => {
    if (loaded.some((a) => a.status === 'QUEUED' || a.status === 'RUNNING')) {
      try {
        const data = await gql(ANALYSES, {});
        const fresh = new Map(data.analyses.edges.map((e) => [e.node.id, e.node]));
        loaded = loaded.map((a) => fresh.get(a.id) ?? a);
        body.replaceChildren(...loaded.map(analysisRow));
      } catch {
        // keep the last answer; try again
      }
    }
    later(poll, 2000);
  };
  later(poll, 2000);
  return [h('h1', { tabindex: '-1' }, 'Analyses', total), list, more, await newAnalysis()];
}

async function newAnalysis() {
  const inputs = h('div', { class: 'inputs' });
  const refresh = async (select = []) => {
    const data = await gql(
      '{ captures { id label role node pod fileName packetCount createdAt } snapshots { id kind node fileName createdAt } }',
    );
    const checked = new Set([...inputs.querySelectorAll('input:checked')].map((i) => i.value).concat(select));
    const choice = (name, item, text) =>
      h(
        'li',
        {},
        h(
          'label',
          {},
          h('input', { type: 'checkbox', name, value: item.id, checked: checked.has(item.id) }),
          ' ',
          text,
        ),
      );
    inputs.replaceChildren(
      h(
        'fieldset',
        {},
        h('legend', {}, `Captures (${data.captures.length})`),
        data.captures.length
          ? h(
              'ul',
              { class: 'choices' },
              data.captures.map((c) =>
                choice('capture', c, [
                  h('strong', {}, c.label),
                  ` ${c.role}`,
                  c.node ? ` · ${c.node}` : '',
                  c.pod ? ` · ${c.pod}` : '',
                  ` · ${c.fileName}`,
                ]),
              ),
            )
          : h('p', { class: 'muted' }, 'None uploaded yet.'),
      ),
      h(
        'fieldset',
        {},
        h('legend', {}, `Snapshots (${data.snapshots.length})`),
        data.snapshots.length
          ? h(
              'ul',
              { class: 'choices' },
              data.snapshots.map((s) =>
                choice('snapshot', s, [
                  h('strong', {}, s.kind),
                  s.node ? ` · ${s.node}` : '',
                  ` · ${s.fileName ?? ''}`,
                ]),
              ),
            )
          : h('p', { class: 'muted' }, 'None uploaded yet.'),
      ),
    );
  };
  await refresh();

  const log = h('ul', { class: 'upload-log', 'aria-live': 'polite' });
  const files = h('input', {
    type: 'file',
    name: 'captureFiles',
    multiple: true,
    id: 'captureFiles',
    accept: '.pcap,.pcapng,.cap,.gz',
  });
  const role = h(
    'select',
    { name: 'role', id: 'role' },
    ['client', 'node', 'backend', 'other'].map((r) => h('option', { value: r }, r)),
  );
  const node = h('input', { name: 'node', id: 'node', placeholder: 'k8s-compute-02' });
  const pod = h('input', { name: 'pod', id: 'pod', placeholder: 'namespace/name' });
  const label = h('input', { name: 'label', id: 'label', placeholder: 'optional' });
  const uploadCaptures = async (list) => {
    const ids = [];
    for (const file of list) {
      const item = h('li', {}, `${file.name}: uploading…`);
      log.append(item);
      try {
        const capture = await upload('captures', file, {
          role: role.value,
          node: node.value.trim(),
          pod: pod.value.trim(),
          label: label.value.trim(),
        });
        item.textContent = `${file.name}: capture ${capture.label ?? capture.id} (${capture.role})`;
        ids.push(capture.id);
      } catch (e) {
        item.replaceChildren(h('span', { class: 'error-text' }, `${file.name}: ${e.message}`));
      }
    }
    await refresh(ids);
  };
  const drop = h(
    'div',
    {
      class: 'drop',
      ondragover: (e) => {
        e.preventDefault();
        drop.classList.add('over');
      },
      ondragleave: () => drop.classList.remove('over'),
      ondrop: (e) => {
        e.preventDefault();
        drop.classList.remove('over');
        uploadCaptures([...e.dataTransfer.files]);
      },
    },
    h('label', { for: 'captureFiles' }, 'Drop pcap/pcapng files here, or choose them: '),
    files,
  );
  const captureForm = h(
    'form',
    {
      class: 'upload',
      onsubmit: (e) => {
        e.preventDefault();
        uploadCaptures([...files.files]).then(() => (files.value = ''));
      },
    },
    h('h3', {}, 'Upload captures'),
    drop,
    h(
      'div',
      { class: 'fields' },
      h('label', {}, 'Role ', role),
      h('label', {}, 'Node ', node),
      h('label', {}, 'Pod ', pod),
      h('label', {}, 'Label ', label),
    ),
    h('button', { type: 'submit' }, 'Upload captures'),
  );

  const snapFiles = h('input', { type: 'file', name: 'snapshotFiles', multiple: true, id: 'snapshotFiles' });
  const snapNode = h('input', { name: 'snapshotNode', placeholder: 'node (for ip addr, iptables-save…)' });
  const snapshotForm = h(
    'form',
    {
      class: 'upload',
      onsubmit: async (e) => {
        e.preventDefault();
        const ids = [];
        for (const file of snapFiles.files) {
          const item = h('li', {}, `${file.name}: uploading…`);
          log.append(item);
          try {
            const snapshot = await upload('snapshots', file, { node: snapNode.value.trim() });
            item.textContent = `${file.name}: snapshot ${snapshot.kind}`;
            ids.push(snapshot.id);
          } catch (err) {
            item.replaceChildren(h('span', { class: 'error-text' }, `${file.name}: ${err.message}`));
          }
        }
        snapFiles.value = '';
        await refresh(ids);
      },
    },
    h('h3', {}, 'Upload snapshots'),
    h(
      'p',
      { class: 'hint' },
      'kubectl JSON/YAML, ipvsadm -Ln, iptables-save, nft list ruleset, ip addr/route, conntrack -L (kind detected).',
    ),
    h('label', { for: 'snapshotFiles' }, 'Files '),
    snapFiles,
    h('label', {}, ' Node ', snapNode),
    h('button', { type: 'submit' }, 'Upload snapshots'),
  );

  const name = h('input', { name: 'analysisName', placeholder: 'a name to find it by' });
  const startError = h('p', { class: 'error', role: 'alert', hidden: true });
  const startForm = h(
    'form',
    {
      class: 'start',
      onsubmit: async (e) => {
        e.preventDefault();
        startError.hidden = true;
        const captures = [...inputs.querySelectorAll('input[name=capture]:checked')].map((i) => i.value);
        const snapshots = [...inputs.querySelectorAll('input[name=snapshot]:checked')].map((i) => i.value);
        try {
          const data = await gql(
            'mutation($input: CreateAnalysisInput!) { createAnalysis(input: $input) { id } }',
            { input: { captures, snapshots, name: name.value.trim() || null } },
          );
          navigate(`/analyses/${data.createAnalysis.id}`);
        } catch (err) {
          startError.textContent = err.message;
          startError.hidden = false;
        }
      },
    },
    h('h3', {}, 'Start an analysis'),
    inputs,
    h('label', {}, 'Name ', name),
    h('button', { type: 'submit' }, 'Start analysis'),
    startError,
  );
  return h(
    'section',
    { class: 'new' },
    h('h2', {}, 'New analysis'),
    h('div', { class: 'uploads' }, captureForm, snapshotForm),
    log,
    startForm,
  );
}

// ---------------------------------------------------------------- one analysis

const STATES = ['ESTABLISHED', 'CLOSED', 'RESET', 'UNANSWERED', 'ICMP_ERROR', 'ANSWERED'];
const KINDS = ['DNAT', 'SNAT', 'DNAT_SNAT', 'ENCAP', 'DECAP', 'NONE'];

const ANALYSIS = `query($id: ID!) {
  analysis(id: $id) { id name status stage progress error createdAt startedAt finishedAt
    counts { flows translations findings errors packets }
    clockOffsets { capture offsetNs spreadNs reference }
    captures { id label role node pod fileName packetCount }
    snapshots { id kind node fileName } }
  ${STATES.map((s) => `s_${s}: flows(analysisId: $id, filter: { states: [${s}] }, first: 1) { totalCount }`).join('\n  ')}
  ${KINDS.map((k) => `t_${k}: flows(analysisId: $id, filter: { translationKind: ${k} }, first: 1) { totalCount }`).join('\n  ')}
  findings(analysisId: $id) { id code severity title detail next flowKeys evidenceJson }
  services(analysisId: $id) { frontend protocol serviceName flows expectedUnavailable
    backends { backend pod flows observedShare expectedShare } }
}`;

function offsetText(offset) {
  if (!offset) return 'unknown';
  if (offset.reference) return 'reference clock';
  const ns = BigInt(offset.offsetNs);
  return `${ns >= 0n ? '+' : '−'}${duration(ns >= 0n ? ns : -ns)} ± ${duration(offset.spreadNs)}`;
}

async function analysisPage(id) {
  const data = await gql(ANALYSIS, { id });
  const a = data.analysis;
  if (!a)
    return [
      h('h1', { tabindex: '-1' }, 'Analysis not found'),
      h('p', {}, `No analysis ${id} in this project. `, link('/', 'Back to the analyses')),
    ];
  const finished = a.status === 'SUCCEEDED' || a.status === 'FAILED';
  const head = h('div', { class: 'status-line' });
  const showStatus = (x) =>
    head.replaceChildren(
      badge(x.status),
      x.stage ? ` stage ${x.stage}` : '',
      finished
        ? ''
        : h(
            'span',
            { class: 'progress' },
            ' ',
            h('progress', { max: 100, value: x.progress, 'aria-label': `progress ${x.progress}%` }),
            ` ${x.progress}%`,
          ),
      x.error ? h('p', { class: 'error' }, x.error) : '',
    );
  showStatus(a);
  if (!finished) {
    const poll = async () => {
      try {
        const { analysis } = await gql(
          'query($id: ID!) { analysis(id: $id) { status stage progress error } }',
          { id },
        );
        if (analysis.status === 'SUCCEEDED' || analysis.status === 'FAILED') return render();
        showStatus(analysis);
      } catch {
        // try again
      }
      later(poll, 1500);
    };
    later(poll, 1500);
  }
  const offsets = new Map(a.clockOffsets.map((o) => [o.capture, o]));
  const states = STATES.map((s) => [s, data[`s_${s}`].totalCount]).filter(([, n]) => n > 0);
  const kinds = KINDS.map((k) => [k, data[`t_${k}`].totalCount]).filter(([, n]) => n > 0);
  const out = [
    h('p', { class: 'crumbs' }, share() ? 'Shared analysis' : link('/', 'Analyses'), ' / ', a.name || a.id),
    h('h1', { tabindex: '-1' }, a.name || `Analysis ${a.id.slice(0, 8)}`),
    head,
    h(
      'section',
      { class: 'summary', 'aria-labelledby': 'summary-h' },
      h('h2', { id: 'summary-h' }, 'Summary'),
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, 'Flows'),
        h('dd', {}, a.counts?.flows ?? '–'),
        h('dt', {}, 'Packets'),
        h('dd', {}, a.counts?.packets ?? '–'),
        h('dt', {}, 'Findings'),
        h('dd', {}, a.counts ? `${a.counts.findings} (${a.counts.errors} errors)` : '–'),
        h('dt', {}, 'Flows by state'),
        h(
          'dd',
          { 'data-testid': 'states' },
          states.length ? states.map(([s, n]) => h('span', { class: 'chip' }, badge(s), ` ${n}`)) : '–',
        ),
        h('dt', {}, 'Translations'),
        h(
          'dd',
          { 'data-testid': 'kinds' },
          kinds.length
            ? kinds.map(([k, n]) => h('span', { class: 'chip' }, `${k} `, h('strong', {}, n), ' flows'))
            : '–',
        ),
        h('dt', {}, 'Created'),
        h('dd', {}, when(a.createdAt), a.finishedAt ? ` · finished ${when(a.finishedAt)}` : ''),
      ),
      h('h3', {}, 'Captures'),
      table(
        ['Capture point', 'Role', 'Node', 'Pod', 'File', 'Packets', 'Clock offset'],
        a.captures.map((c) =>
          h(
            'tr',
            {},
            h('td', {}, c.label),
            h('td', {}, c.role),
            h('td', {}, c.node ?? ''),
            h('td', {}, c.pod ?? ''),
            h('td', {}, c.fileName),
            h('td', { class: 'num' }, c.packetCount ?? ''),
            h('td', {}, offsetText(offsets.get(c.id))),
          ),
        ),
        { 'data-testid': 'captures' },
      ),
      a.snapshots.length
        ? h(
            'p',
            { class: 'muted' },
            `Snapshots: ${a.snapshots.map((s) => `${s.kind}${s.node ? ` (${s.node})` : ''}`).join(', ')}`,
          )
        : null,
    ),
  ];
  if (a.status !== 'SUCCEEDED') return out;
  out.push(findingsSection(id, data.findings, 'Findings'));
  out.push(servicesSection(data.services));
  out.push(await flowsSection(id, data.findings));
  return out;
}

function findingsSection(analysisId, findings, title, headingId = 'findings-h') {
  const order = { error: 0, warning: 1, info: 2 };
  const sorted = [...findings].sort((a, b) => (order[a.severity] ?? 3) - (order[b.severity] ?? 3));
  return h(
    'section',
    { class: 'findings', 'aria-labelledby': headingId },
    h('h2', { id: headingId }, `${title} (${findings.length})`),
    sorted.length ? null : h('p', { class: 'muted' }, 'No findings.'),
    sorted.map((f) => {
      let evidence = f.evidenceJson;
      try {
        evidence = JSON.stringify(JSON.parse(f.evidenceJson), null, 2);
      } catch {
        // keep the text
      }
      const flows = f.flowKeys.slice(0, 20);
      return h(
        'article',
        { class: `finding sev-${f.severity}`, 'data-testid': 'finding', 'data-code': f.code },
        h('h3', {}, badge(f.severity), ' ', h('code', {}, f.code), ' ', f.title),
        h('p', {}, f.detail),
        f.next.length
          ? [
              h('h4', {}, 'Next commands'),
              h(
                'ul',
                { class: 'commands' },
                f.next.map((c) => h('li', {}, h('code', {}, c), ' ', copyButton(c))),
              ),
            ]
          : null,
        flows.length
          ? h(
              'p',
              { class: 'flows-of' },
              `Flows (${f.flowKeys.length}): `,
              flows.map((k, i) => [
                i ? ', ' : '',
                link(`/analyses/${analysisId}/flows/${encodeURIComponent(k)}`, k),
              ]),
              f.flowKeys.length > flows.length ? ` and ${f.flowKeys.length - flows.length} more` : '',
            )
          : null,
        h(
          'details',
          {},
          h('summary', {}, 'Evidence'),
          h('pre', {}, evidence),
          copyButton(evidence, 'evidence'),
        ),
      );
    }),
  );
}

/** Observed against expected share per backend: two bars a backend, on one 0..100 % scale. */
function shareChart(service) {
  const LABEL = 330;
  const BAR = 360;
  const ROW = 40;
  const width = LABEL + BAR + 90;
  const height = service.backends.length * ROW + 30;
  const pct = (v) => `${(v * 100).toFixed(1)}%`;
  const chart = svg('svg', {
    class: 'shares',
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': `Backend share of ${service.serviceName ?? service.frontend}: observed against expected`,
  });
  for (const p of [0, 0.25, 0.5, 0.75, 1])
    chart.append(
      svg('line', { x1: LABEL + p * BAR, y1: 0, x2: LABEL + p * BAR, y2: height - 18, class: 'grid' }),
      svg(
        'text',
        { x: LABEL + p * BAR, y: height - 4, 'text-anchor': 'middle', class: 'axis' },
        `${p * 100}%`,
      ),
    );
  service.backends.forEach((b, i) => {
    const y = i * ROW + 4;
    const name = b.pod ?? b.backend ?? 'no backend';
    chart.append(
      svg(
        'text',
        { x: 0, y: y + 13, class: 'bar-label' },
        svg('title', {}, `${name} ${b.backend ?? ''}`),
        name.length > 46 ? `…${name.slice(-45)}` : name,
      ),
      svg('text', { x: 0, y: y + 28, class: 'bar-sub' }, `${b.backend ?? ''} · ${b.flows} flows`),
      svg(
        'rect',
        { x: LABEL, y, width: Math.max(b.observedShare * BAR, 1), height: 14, class: 'bar observed' },
        svg('title', {}, `observed ${pct(b.observedShare)}`),
      ),
      svg(
        'text',
        { x: LABEL + b.observedShare * BAR + 6, y: y + 12, class: 'bar-value' },
        `observed ${pct(b.observedShare)}`,
      ),
    );
    if (b.expectedShare !== null)
      chart.append(
        svg(
          'rect',
          {
            x: LABEL,
            y: y + 17,
            width: Math.max(b.expectedShare * BAR, 1),
            height: 10,
            class: 'bar expected',
          },
          svg('title', {}, `expected ${pct(b.expectedShare)}`),
        ),
        svg(
          'text',
          { x: LABEL + b.expectedShare * BAR + 6, y: y + 27, class: 'bar-value' },
          `expected ${pct(b.expectedShare)}`,
        ),
      );
  });
  return chart;
}

function servicesSection(services) {
  return h(
    'section',
    { class: 'services', 'aria-labelledby': 'services-h' },
    h('h2', { id: 'services-h' }, `Services (${services.length})`),
    services.length
      ? h(
          'p',
          { class: 'legend' },
          h('span', { class: 'key observed' }),
          ' observed share of flows ',
          h('span', { class: 'key expected' }),
          ' expected by the dataplane in the snapshots',
        )
      : h('p', { class: 'muted' }, 'No service flows.'),
    services.map((svc) =>
      h(
        'article',
        { class: 'service', 'data-testid': 'service' },
        h(
          'h3',
          {},
          svc.serviceName ?? svc.frontend,
          ' ',
          h('span', { class: 'muted' }, `${svc.protocol} ${svc.frontend} · ${svc.flows} flows`),
        ),
        svc.expectedUnavailable
          ? h('p', { class: 'muted' }, `Expected shares unknown: ${svc.expectedUnavailable}.`)
          : null,
        shareChart(svc),
      ),
    ),
  );
}

const FLOWS = `query($id: ID!, $filter: FlowFilterInput, $first: Int, $after: String, $orderBy: FlowOrder) {
  flows(analysisId: $id, filter: $filter, first: $first, after: $after, orderBy: $orderBy) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id key protocol client service serviceName backend backendPod clientSeenByBackend state resetBy
      translationKinds findingCodes packetsForward packetsReverse durationNs } } } }`;

async function flowsSection(analysisId, findings) {
  const codes = [...new Set(findings.map((f) => f.code))];
  const field = (name, label, attrs = {}) => h('label', {}, `${label} `, h('input', { name, ...attrs }));
  const select = (name, label, options) =>
    h(
      'label',
      {},
      `${label} `,
      h(
        'select',
        { name },
        h('option', { value: '' }, 'any'),
        options.map((o) => h('option', { value: o }, o)),
      ),
    );
  const form = h(
    'form',
    { class: 'filters', 'aria-label': 'Flow filters' },
    field('service', 'Service', { placeholder: 'ns/name[:port] or ip:port' }),
    field('pod', 'Pod', { placeholder: 'ns/name' }),
    field('node', 'Node'),
    field('ip', 'IP'),
    field('port', 'Port', { type: 'number', min: 0, max: 65535 }),
    select('protocol', 'Protocol', ['tcp', 'udp', 'icmp', 'icmpv6', 'sctp']),
    select('translationKind', 'Translation', KINDS),
    select('findingCode', 'Finding', codes),
    h(
      'label',
      {},
      'Order ',
      h(
        'select',
        { name: 'orderBy' },
        ['FIRST_SEEN_ASC', 'FIRST_SEEN_DESC', 'LAST_SEEN_ASC', 'LAST_SEEN_DESC'].map((o) =>
          h('option', { value: o }, o.toLowerCase().replace(/_/g, ' ')),
        ),
      ),
    ),
    h(
      'fieldset',
      { class: 'states' },
      h('legend', {}, 'States'),
      STATES.map((st) =>
        h('label', {}, h('input', { type: 'checkbox', name: 'states', value: st }), ` ${st}`),
      ),
    ),
    h(
      'div',
      { class: 'buttons' },
      h('button', { type: 'submit' }, 'Apply filters'),
      h('button', { type: 'reset', class: 'secondary' }, 'Clear'),
    ),
  );
  const body = h('tbody');
  const info = h('p', { class: 'muted', 'aria-live': 'polite' });
  const pager = h('div', { class: 'pager' });
  const cursors = [null];
  let at = 0;
  const filter = () => {
    const fd = new FormData(form);
    const f = {};
    for (const k of ['service', 'pod', 'node', 'ip', 'protocol', 'translationKind', 'findingCode']) {
      const v = String(fd.get(k) ?? '').trim();
      if (v) f[k] = v;
    }
    const port = String(fd.get('port') ?? '').trim();
    if (port) f.port = Number(port);
    const states = fd.getAll('states');
    if (states.length) f.states = states;
    return f;
  };
  const load = async () => {
    const orderBy = String(new FormData(form).get('orderBy') || 'FIRST_SEEN_ASC');
    try {
      const { flows } = await gql(FLOWS, {
        id: analysisId,
        filter: filter(),
        first: 50,
        after: cursors[at],
        orderBy,
      });
      body.replaceChildren(
        ...flows.edges.map(({ node: f }) =>
          h(
            'tr',
            { 'data-testid': 'flow-row', 'data-state': f.state },
            h('td', {}, link(`/analyses/${analysisId}/flows/${f.id}`, `${f.protocol} ${f.client}`)),
            h('td', {}, f.service, f.serviceName ? h('div', { class: 'muted' }, f.serviceName) : null),
            h(
              'td',
              {},
              f.backend ?? '–',
              f.backendPod ? h('div', { class: 'muted' }, f.backendPod) : null,
              f.clientSeenByBackend && f.clientSeenByBackend !== f.client
                ? h('div', { class: 'muted' }, `as ${f.clientSeenByBackend}`)
                : null,
            ),
            h(
              'td',
              {},
              badge(f.state),
              f.resetBy ? h('div', { class: 'muted' }, `reset by ${f.resetBy}`) : null,
            ),
            h('td', {}, f.translationKinds.filter((k) => k !== 'NONE').join(', ')),
            h('td', {}, f.findingCodes.join(', ')),
            h('td', { class: 'num' }, `${f.packetsForward} / ${f.packetsReverse}`),
            h('td', { class: 'num' }, duration(f.durationNs)),
          ),
        ),
      );
      if (!flows.edges.length)
        body.append(h('tr', {}, h('td', { colspan: 8, class: 'muted' }, 'No flow matches these filters.')));
      const first = at * 50 + 1;
      info.textContent = flows.totalCount
        ? `Flows ${first}–${first + flows.edges.length - 1} of ${flows.totalCount}`
        : '0 flows';
      cursors[at + 1] = flows.pageInfo.endCursor;
      pager.replaceChildren(
        h(
          'button',
          { type: 'button', disabled: at === 0, onclick: () => ((at -= 1), load()) },
          '← Previous page',
        ),
        h(
          'button',
          { type: 'button', disabled: !flows.pageInfo.hasNextPage, onclick: () => ((at += 1), load()) },
          'Next page →',
        ),
      );
    } catch (e) {
      info.replaceChildren(errorBox(e));
    }
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    cursors.length = 1;
    at = 0;
    load();
  });
  form.addEventListener('reset', () => setTimeout(() => form.requestSubmit(), 0));
  await load();
  return h(
    'section',
    { class: 'flows', 'aria-labelledby': 'flows-h' },
    h('h2', { id: 'flows-h' }, 'Flows'),
    form,
    info,
    h(
      'table',
      { class: 'flows-table' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          [
            'Client',
            'Service',
            'Backend',
            'State',
            'Translations',
            'Findings',
            'Packets →/←',
            'Duration',
          ].map((t) => h('th', { scope: 'col' }, t)),
        ),
      ),
      body,
    ),
    pager,
  );
}

// ---------------------------------------------------------------- one flow

const FLOW = `query($id: ID!, $flow: ID!) {
  analysis(id: $id) { id name }
  flow(analysisId: $id, id: $flow) { id key protocol client service serviceName backend backendPod clientSeenByBackend
    state resetBy firstNs lastNs durationNs packetsForward packetsReverse bytesForward bytesReverse retransmissions
    translationKinds findingCodes communityIdClient communityIdBackend pcapngUrl
    handshake { captureId synToSynAckNs synAckToAckNs }
    perspectives { position captureId capture { id label role node pod } direction src dst packets firstNs lastNs
      interfaces { name type packets } outer { tunnel src dst vni } }
    translations { kind before { src dst } after { src dst } captureId capture { label } interfaces latencyNs description }
    findings { id code severity title detail next flowKeys evidenceJson }
    sightings(first: 500) { totalCount pageInfo { hasNextPage endCursor } edges { node { ${'captureId perspective timestampNs referenceTimestampNs frame interface type direction src dst tcpFlags'} } } } } }`;

const MORE_SIGHTINGS = `query($id: ID!, $flow: ID!, $after: String) { flow(analysisId: $id, id: $flow) {
  sightings(first: 500, after: $after) { pageInfo { hasNextPage endCursor }
    edges { node { captureId perspective timestampNs referenceTimestampNs frame interface type direction src dst tcpFlags } } } } }`;

async function flowPage(analysisId, flowId) {
  const data = await gql(FLOW, { id: analysisId, flow: flowId });
  const f = data.flow;
  if (!f)
    return [
      h('h1', { tabindex: '-1' }, 'Flow not found'),
      h(
        'p',
        {},
        `No flow ${flowId} in this analysis. `,
        link(`/analyses/${analysisId}`, 'Back to the analysis'),
      ),
    ];
  const sightings = f.sightings.edges.map((e) => e.node);
  let pageInfo = f.sightings.pageInfo;
  while (pageInfo.hasNextPage) {
    const more = await gql(MORE_SIGHTINGS, { id: analysisId, flow: flowId, after: pageInfo.endCursor });
    sightings.push(...more.flow.sightings.edges.map((e) => e.node));
    pageInfo = more.flow.sightings.pageInfo;
  }
  const ladder = buildLadder(f, sightings);
  const title = `${f.protocol} ${f.client} → ${f.service}${f.backend && f.backend !== f.service ? ` ⇒ ${f.backend}` : ''}`;
  const text = mermaid(ladder);
  const pcapName = `flow-${f.key}.pcapng`;
  const captureLabel = new Map(f.perspectives.map((p) => [p.captureId, p.capture?.label ?? p.captureId]));
  return [
    h(
      'p',
      { class: 'crumbs' },
      share() ? 'Shared analysis' : link('/', 'Analyses'),
      ' / ',
      link(`/analyses/${analysisId}`, data.analysis?.name || analysisId.slice(0, 8)),
      ' / ',
      `flow ${f.key}`,
    ),
    h('h1', { tabindex: '-1' }, title),
    h(
      'p',
      { class: 'status-line' },
      badge(f.state),
      f.resetBy ? ` reset by ${f.resetBy}` : '',
      f.serviceName ? ` · ${f.serviceName}` : '',
      f.backendPod ? ` · backend ${f.backendPod}` : '',
      f.clientSeenByBackend && f.clientSeenByBackend !== f.client
        ? ` · client as the backend saw it ${f.clientSeenByBackend}`
        : '',
      ` · ${duration(f.durationNs)} · ${f.packetsForward} packets →, ${f.packetsReverse} ←`,
      f.retransmissions ? ` · ${f.retransmissions} retransmissions` : '',
    ),
    h(
      'div',
      { class: 'actions' },
      h(
        'a',
        {
          href: f.pcapngUrl,
          class: 'button',
          'data-testid': 'pcapng',
          onclick: (e) => {
            e.preventDefault();
            say('downloading pcapng…');
            download(f.pcapngUrl, pcapName).then(
              () => say(`${pcapName} saved`),
              (err) => say(`pcapng: ${err.message}`),
            );
          },
        },
        'Download pcapng',
      ),
      h(
        'button',
        { type: 'button', 'data-testid': 'copy-mermaid', onclick: () => copy(text, 'Mermaid diagram') },
        'Copy as Mermaid',
      ),
    ),
    h(
      'section',
      { class: 'ladder-section', 'aria-labelledby': 'ladder-h' },
      h('h2', { id: 'ladder-h' }, 'Ladder'),
      h(
        'p',
        { class: 'hint' },
        `Time goes down on the reference clock (clock offsets removed), one lane per capture point and NAT stage in path order, one arrow per stored sighting (${sightings.length}). Hover an arrow for its frame and timing; ≈ marks a sighting drawn after the one before it on its path although the offset-corrected clocks put it a few µs earlier.`,
      ),
      h(
        'div',
        { class: 'ladder-scroll', tabindex: '0', 'aria-label': 'Ladder diagram, scrollable' },
        renderLadder(ladder, title),
      ),
      h('details', {}, h('summary', {}, 'Mermaid source'), h('pre', { 'data-testid': 'mermaid' }, text)),
    ),
    h(
      'section',
      { 'aria-labelledby': 'persp-h' },
      h('h2', { id: 'persp-h' }, 'Perspectives'),
      table(
        [
          'Direction',
          'Capture point',
          'Node / pod',
          'Interfaces',
          'Source > destination',
          'Outer',
          'Packets',
        ],
        f.perspectives.map((p) =>
          h(
            'tr',
            {},
            h('td', {}, p.direction),
            h('td', {}, p.capture?.label ?? p.captureId),
            h('td', {}, p.capture?.pod ?? p.capture?.node ?? ''),
            h('td', {}, p.interfaces.map((i) => `${i.name} ${i.type}`).join(', ')),
            h('td', {}, h('code', {}, `${p.src} > ${p.dst}`)),
            h(
              'td',
              {},
              p.outer
                ? `${p.outer.tunnel} ${p.outer.src} > ${p.outer.dst}${p.outer.vni !== null ? ` vni ${p.outer.vni}` : ''}`
                : '',
            ),
            h('td', { class: 'num' }, p.packets),
          ),
        ),
        { 'data-testid': 'perspectives' },
      ),
    ),
    h(
      'section',
      { 'aria-labelledby': 'tr-h' },
      h('h2', { id: 'tr-h' }, 'Translations'),
      table(
        ['Kind', 'What', 'Where', 'Interfaces', 'Latency'],
        f.translations.every((t) => t.kind === 'NONE')
          ? [
              h(
                'tr',
                {},
                h('td', { colspan: 5, class: 'muted' }, 'None: every hop routed the packets unchanged.'),
              ),
            ]
          : f.translations
              .filter((t) => t.kind !== 'NONE')
              .map((t) =>
                h(
                  'tr',
                  {},
                  h('td', {}, t.kind),
                  h('td', {}, h('code', {}, t.description)),
                  h('td', {}, t.capture?.label ?? t.captureId),
                  h('td', {}, t.interfaces.join(' → ')),
                  h('td', { class: 'num' }, t.latencyNs ? duration(t.latencyNs) : ''),
                ),
              ),
      ),
      f.handshake.length
        ? h(
            'p',
            { class: 'muted' },
            'Handshake SYN → SYN-ACK: ',
            f.handshake.map((x, i) => [
              i ? '; ' : '',
              `${captureLabel.get(x.captureId) ?? x.captureId} ${x.synToSynAckNs ? duration(x.synToSynAckNs) : '–'}`,
            ]),
          )
        : null,
      h(
        'p',
        { class: 'muted' },
        `Community ID ${f.communityIdClient ?? '–'}${f.communityIdBackend && f.communityIdBackend !== f.communityIdClient ? `, as the backend saw it ${f.communityIdBackend}` : ''}`,
      ),
    ),
    findingsSection(analysisId, f.findings, 'Findings about this flow', 'flow-findings-h'),
  ];
}

render();
