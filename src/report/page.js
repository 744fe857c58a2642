// clean-news report: paints the clusters and documents views from the page's data blocks.
//
// Scraped text is only ever put into the page as text nodes (textContent, createTextNode)
// or attribute values set with setAttribute; links are built from numbers. Nothing here
// parses markup. The data: #index (lists, parsed at load), #docs-K (texts and removals of
// documents K*block.., parsed when first needed), #rules (rule ids, by number).
'use strict';
(function () {
  const started = performance.now();
  const root = document.documentElement;
  const data = JSON.parse(document.getElementById('index').textContent);
  const docs = data.docs; // [id, title, site, published, cluster, canonical, removals]
  const clusters = data.clusters; // {id, m: [{d, i, j, c, f, o}], n, p, s}
  const PAGE = 50;
  const blocks = new Map();
  let rules = null;

  // ---- small DOM helpers: text only ----
  function h(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v !== null && v !== undefined && v !== false) e.setAttribute(k, String(v));
    }
    for (const c of children) add(e, c);
    return e;
  }
  function add(e, c) {
    if (c === null || c === undefined || c === false) return;
    if (Array.isArray(c)) c.forEach((x) => add(e, x));
    else if (c instanceof Node) e.appendChild(c);
    else e.appendChild(document.createTextNode(String(c)));
  }
  function fmt(n) { return n.toLocaleString('en-US'); }
  function pct(x) { return x.toFixed(3); }

  // ---- data access ----
  function body(d) {
    const k = Math.floor(d / data.block);
    if (!blocks.has(k)) {
      blocks.set(k, JSON.parse(document.getElementById('docs-' + k).textContent));
    }
    return blocks.get(k)[d % data.block];
  }
  function ruleName(n) {
    if (rules === null) rules = JSON.parse(document.getElementById('rules').textContent);
    return rules[n] || '?';
  }
  function title(d) { return docs[d][1] && docs[d][1].trim() ? docs[d][1] : docs[d][0]; }
  function site(d) { return docs[d][2] >= 0 ? data.sites[docs[d][2]] : ''; }
  function memberId(m) { return m.d >= 0 ? docs[m.d][0] : m.i; }
  function clusterTitle(c) {
    const m = clusters[c].m[0];
    return m && m.d >= 0 ? title(m.d) : clusters[c].id;
  }

  // ---- a sortable, filterable, paged table ----
  // spec: {columns: [{name, key, cls, sort}], rows: () => array, cell: (row, col) => node,
  //        open: (row) => hash, filter: (row, q) => bool, extra: [controls], sort, dir}
  function pagedTable(section, spec) {
    const state = { q: '', key: spec.sort, dir: spec.dir, page: 0, all: null, shown: null };
    const search = h('input', { type: 'search', placeholder: spec.placeholder, 'aria-label': 'filter' });
    const count = h('span', { class: 'muted' });
    const table = h('table', { class: 'list' });
    const pager = h('div', { class: 'pager' });
    section.replaceChildren(h('div', { class: 'controls' }, search, spec.extra || [], count), table, pager);
    let timer = 0;
    search.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(() => { state.q = search.value.trim().toLowerCase(); state.page = 0; refresh(); }, 120);
    });
    function refresh() {
      if (state.all === null) state.all = spec.rows();
      const q = state.q;
      let shown = state.all.filter((r) => spec.keep(r) && (!q || spec.filter(r, q)));
      const col = spec.columns.find((c) => c.key === state.key);
      if (col && col.sort) {
        const dir = state.dir;
        shown.sort((a, b) => {
          const x = col.sort(a), y = col.sort(b);
          if (x === y) return a.i - b.i;
          if (x === null || x === undefined) return 1;
          if (y === null || y === undefined) return -1;
          return (x < y ? -1 : 1) * dir;
        });
      }
      state.shown = shown;
      const pages = Math.max(1, Math.ceil(shown.length / PAGE));
      state.page = Math.min(state.page, pages - 1);
      count.textContent = fmt(shown.length) + ' of ' + fmt(state.all.length) + ' ' + spec.noun;
      count.setAttribute('data-count', String(shown.length));
      const head = h('tr', null, spec.columns.map((c) => {
        const cls = [c.cls || '', c.sort ? 'sort' : '', c.key === state.key ? (state.dir > 0 ? 'asc' : 'desc') : ''].join(' ').trim();
        const th = h('th', { class: cls || null, 'data-key': c.key }, c.name);
        if (c.sort) {
          th.addEventListener('click', () => {
            if (state.key === c.key) state.dir = -state.dir;
            else { state.key = c.key; state.dir = c.first || 1; }
            refresh();
          });
        }
        return th;
      }));
      const rows = shown.slice(state.page * PAGE, (state.page + 1) * PAGE).map((r) => {
        const tr = h('tr', { class: 'row', 'data-i': r.i }, spec.columns.map((c) => h('td', { class: c.cls || null }, spec.cell(r, c))));
        tr.addEventListener('click', (ev) => { if (!ev.target.closest('a')) location.hash = spec.open(r); });
        return tr;
      });
      table.replaceChildren(h('thead', null, head), h('tbody', null, rows));
      const prev = h('button', { type: 'button' }, '‹ previous');
      const next = h('button', { type: 'button' }, 'next ›');
      prev.disabled = state.page === 0;
      next.disabled = state.page >= pages - 1;
      prev.addEventListener('click', () => { state.page -= 1; refresh(); });
      next.addEventListener('click', () => { state.page += 1; refresh(); });
      pager.replaceChildren(prev, h('span', null, 'page ' + (state.page + 1) + ' of ' + fmt(pages)), next);
    }
    state.refresh = refresh;
    return state;
  }

  // ---- clusters ----
  let clusterList = null;
  function showClusters() {
    if (clusterList) return;
    const section = document.getElementById('clusters');
    const min = h('select', { 'aria-label': 'smallest size' },
      [2, 3, 5, 10, 20].map((n) => h('option', { value: n }, 'size ≥ ' + n)));
    clusterList = pagedTable(section, {
      noun: 'clusters',
      placeholder: 'filter by title, site or id',
      extra: [min],
      sort: 'size', dir: -1,
      rows: () => clusters.map((c, i) => {
        const ids = c.m.map((m) => (m.d >= 0 ? site(m.d) + ' ' + docs[m.d][0] : m.i));
        const copies = c.m.slice(1);
        return { i: i, size: c.m.length, sites: c.n, s: c.s, p: c.p, title: clusterTitle(i),
          j: copies.reduce((x, m) => Math.min(x, m.j), 1), c: copies.reduce((x, m) => Math.min(x, m.c), 1),
          hay: (clusterTitle(i) + ' ' + c.id + ' ' + ids.join(' ')).toLowerCase() };
      }),
      keep: (r) => r.size >= Number(min.value),
      filter: (r, q) => r.hay.includes(q),
      open: (r) => '#/cluster/' + r.i,
      columns: [
        { name: 'title', key: 'title', sort: (r) => r.title.toLowerCase() },
        { name: 'size', key: 'size', cls: 'n', sort: (r) => r.size, first: -1 },
        { name: 'sites', key: 'sites', cls: 'n', sort: (r) => r.sites, first: -1 },
        { name: 'lowest Jaccard', key: 'j', cls: 'n', sort: (r) => r.j },
        { name: 'lowest containment', key: 'c', cls: 'n', sort: (r) => r.c },
        { name: 'first published', key: 'first', cls: 'nowrap', sort: (r) => r.s },
        { name: 'cluster', key: 'id', sort: (r) => clusters[r.i].id },
      ],
      cell: (r, c) => {
        switch (c.key) {
          case 'title': return h('a', { href: '#/cluster/' + r.i }, r.title);
          case 'size': return fmt(r.size);
          case 'sites': return fmt(r.sites);
          case 'j': return pct(r.j);
          case 'c': return pct(r.c);
          case 'first': return when(r.p);
          default: return h('code', null, clusters[r.i].id);
        }
      },
    });
    min.addEventListener('change', () => { clusterList.page = 0; clusterList.refresh(); });
    clusterList.refresh();
  }

  function showCluster(c, chosen) {
    const section = document.getElementById('cluster');
    const cluster = clusters[c];
    if (!cluster) { section.replaceChildren(h('p', { class: 'warn' }, 'No cluster ' + c + '.')); return; }
    let pick = chosen;
    if (pick === null || !cluster.m[pick]) pick = cluster.m.length > 1 ? 1 : 0;
    const canon = cluster.m[0];
    const rows = cluster.m.map((m, k) => {
      const doc = m.d >= 0 ? h('a', { href: '#/doc/' + m.d }, memberId(m)) : memberId(m);
      const words = m.o ? '+' + fmt(m.o.added) + ' −' + fmt(m.o.cut) : '';
      const tr = h('tr', { class: 'row' + (k === pick ? ' sel' : ''), 'data-member': k },
        h('td', null, k === 0 ? h('span', { class: 'chip canonical' }, 'canonical') : 'copy'),
        h('td', null, doc, m.d >= 0 ? h('div', { class: 'muted' }, title(m.d)) : h('div', { class: 'muted' }, 'from an earlier run')),
        h('td', null, m.d >= 0 ? site(m.d) : ''),
        h('td', { class: 'nowrap' }, m.d >= 0 ? when(docs[m.d][3]) : ''),
        h('td', { class: 'n' }, pct(m.j)),
        h('td', { class: 'n' }, pct(m.c)),
        h('td', null, m.f.map((f) => h('span', { class: 'chip' }, f))),
        h('td', { class: 'n' }, words));
      tr.addEventListener('click', (ev) => { if (!ev.target.closest('a')) location.hash = '#/cluster/' + c + '/' + k; });
      return tr;
    });
    const table = h('table', { class: 'members' },
      h('thead', null, h('tr', null, ['', 'document', 'site', 'published', 'Jaccard', 'containment', 'found by', 'words']
        .map((n, k) => h('th', { class: k >= 4 && k !== 6 ? 'n' : null }, n)))),
      h('tbody', null, rows));
    const parts = [
      h('a', { class: 'back', href: '#/clusters' }, '← all clusters'),
      h('h2', { class: 'title' }, clusterTitle(c)),
      h('div', { class: 'meta' }, h('span', null, 'cluster ', h('code', null, cluster.id)),
        h('span', null, fmt(cluster.m.length) + ' documents'), h('span', null, fmt(cluster.n) + ' sites'),
        cluster.p ? h('span', null, 'first published ' + when(cluster.p)) : null),
      table,
    ];
    const m = cluster.m[pick];
    if (pick > 0) {
      parts.push(h('h2', null, 'Word diff of ', h('code', null, memberId(m)), ' against the canonical ', h('code', null, memberId(canon))));
      parts.push(h('p', { class: 'legend muted' }, 'Words ', h('ins', null, 'added'), ' by the copy, words of the canonical text ',
        h('del', null, 'cut'), ' from it; the rest is shared. Click a member to compare it.'));
      parts.push(diffView(canon, m));
    }
    section.replaceChildren(...parts);
  }

  function diffView(canon, m) {
    if (!m.o || canon.d < 0 || m.d < 0) {
      return h('p', { class: 'muted' }, 'No diff: a text of this pair is not in this run.');
    }
    const a = body(canon.d).x, b = body(m.d).x, ops = m.o.ops;
    const box = h('div', { class: 'diff', 'data-added': m.o.added, 'data-cut': m.o.cut });
    let lastOp = 0, lastChar = ' ';
    for (let k = 0; k + 2 < ops.length; k += 3) {
      const op = ops[k], text = (op === 1 ? a : b).slice(ops[k + 1], ops[k + 2]);
      if (!text) continue;
      // Cut words come from the other text: keep a space between them and their neighbours.
      if ((op === 1 || lastOp === 1) && /\S/.test(lastChar) && /^\S/.test(text)) add(box, ' ');
      if (op === 0) add(box, text);
      else if (op === 1) marked(box, 'del', text);
      else if (op === 2) marked(box, 'ins', text);
      else box.appendChild(h('span', { class: 'rest', title: 'not compared: too long' }, text));
      lastOp = op;
      lastChar = text.slice(-1);
    }
    if (m.o.partial) {
      return h('div', null, h('p', { class: 'muted' }, 'Long texts: compared on their first words only.'), box);
    }
    if (m.o.added === 0 && m.o.cut === 0) {
      return h('div', null, h('p', { class: 'muted' }, 'Same words as the canonical text.'), box);
    }
    return box;
  }

  // A cut or added piece, its trailing whitespace left unmarked.
  function marked(box, tag, text) {
    const core = text.replace(/\s+$/, '');
    box.appendChild(h(tag, null, core));
    if (core.length < text.length) add(box, text.slice(core.length));
  }
  function when(p) { return p ? p.replace('T', ' ') : ''; }

  // ---- documents ----
  let docList = null;
  function showDocuments() {
    if (docList) return;
    const section = document.getElementById('documents');
    docList = pagedTable(section, {
      noun: 'documents',
      placeholder: 'filter by title, site or id',
      sort: 'n', dir: 1,
      rows: () => docs.map((d, i) => ({ i: i })),
      keep: () => true,
      filter: (r, q) => (docs[r.i][0] + ' ' + (docs[r.i][1] || '') + ' ' + site(r.i)).toLowerCase().includes(q),
      open: (r) => '#/doc/' + r.i,
      columns: [
        { name: '#', key: 'n', cls: 'n', sort: (r) => r.i },
        { name: 'title', key: 'title', sort: (r) => title(r.i).toLowerCase() },
        { name: 'site', key: 'site', sort: (r) => site(r.i) },
        { name: 'published', key: 'published', cls: 'nowrap', sort: (r) => docs[r.i][3] },
        { name: 'removed', key: 'removed', cls: 'n', sort: (r) => docs[r.i][6], first: -1 },
        { name: 'cluster', key: 'cluster', sort: (r) => docs[r.i][4] < 0 ? null : docs[r.i][4] },
      ],
      cell: (r, c) => {
        const d = docs[r.i];
        switch (c.key) {
          case 'n': return fmt(r.i + 1);
          case 'title': return [h('a', { href: '#/doc/' + r.i }, title(r.i)), h('div', { class: 'muted' }, d[0])];
          case 'site': return site(r.i);
          case 'published': return when(d[3]);
          case 'removed': return fmt(d[6]);
          default:
            if (d[4] < 0) return h('span', { class: 'muted' }, 'alone');
            return h('a', { href: '#/cluster/' + d[4] }, (d[5] ? 'canonical of ' : 'copy in ') + fmt(clusters[d[4]].m.length));
        }
      },
    });
    docList.refresh();
  }

  function showDocument(d) {
    const section = document.getElementById('document');
    const row = docs[d];
    if (!row) { section.replaceChildren(h('p', { class: 'warn' }, 'No document ' + d + '.')); return; }
    const b = body(d);
    const meta = h('div', { class: 'meta' },
      h('span', null, h('code', null, row[0])),
      site(d) ? h('span', null, site(d)) : null,
      row[3] ? h('span', null, 'published ' + when(row[3])) : null,
      b.lang ? h('span', null, 'language ' + b.lang) : null,
      b.views !== undefined ? h('span', null, fmt(b.views) + ' views') : null,
      b.authors ? h('span', null, 'by ' + b.authors.join(', ')) : null,
      b.sources ? h('span', null, 'source ' + b.sources.join(', ')) : null,
      b.seen ? h('span', null, 'seen before') : null,
      row[4] >= 0 ? h('span', null, h('a', { href: '#/cluster/' + row[4] }, row[5] ? 'canonical of its cluster' : 'a copy in a cluster')) : h('span', null, 'in no cluster'));
    const text = h('div', { class: 'doc' });
    const lines = b.x.split('\n');
    let p = 0;
    for (let j = 0; j <= lines.length; j++) {
      while (p < b.r.length && b.r[p][3] <= j) text.appendChild(removal(b.r[p++]));
      if (j < lines.length && lines[j].trim() !== '') text.appendChild(h('p', null, lines[j]));
    }
    while (p < b.r.length) text.appendChild(removal(b.r[p++]));
    section.replaceChildren(
      h('a', { class: 'back', href: '#/documents' }, '← all documents'),
      h('h2', { class: 'title' }, title(d)),
      meta,
      b.url ? h('p', { class: 'muted' }, 'url ', h('code', null, b.url)) : null,
      h('p', { class: 'muted' }, fmt(b.r.length) + ' removed pieces, struck through where they stood (placed from their line numbers) and labelled with their class and rule.'),
      text);
  }

  function removal(r) {
    const [cls, rule, text, , note] = r;
    return h('div', { class: 'removed k' + cls, 'data-class': data.classes[cls] },
      h('span', { class: 'label' }, data.classes[cls] + ' · ' + ruleName(rule)),
      note ? h('span', { class: 'note' }, note) : null,
      h('del', null, text));
  }

  // ---- routing: #/overview, #/clusters, #/cluster/C[/M], #/documents, #/doc/D ----
  const tabs = { overview: 'overview', clusters: 'clusters', cluster: 'clusters', documents: 'documents', doc: 'documents' };
  function route() {
    const t = performance.now();
    const parts = (location.hash || '#/overview').replace(/^#\/?/, '').split('/');
    const view = tabs[parts[0]] ? parts[0] : 'overview';
    const section = { overview: 'overview', clusters: 'clusters', cluster: 'cluster', documents: 'documents', doc: 'document' }[view];
    for (const s of document.querySelectorAll('main > section.view')) s.hidden = s.id !== section;
    for (const a of document.querySelectorAll('nav a')) a.classList.toggle('on', a.getAttribute('data-nav') === tabs[view]);
    const n = (x) => (x === undefined || x === '' || isNaN(Number(x)) ? null : Number(x));
    if (view === 'clusters') showClusters();
    else if (view === 'cluster') showCluster(n(parts[1]), n(parts[2]));
    else if (view === 'documents') showDocuments();
    else if (view === 'doc') showDocument(n(parts[1]));
    if (view === 'cluster' || view === 'doc') window.scrollTo(0, 0);
    root.setAttribute('data-view', view);
    root.setAttribute('data-render-ms', String(Math.round(performance.now() - t)));
  }
  window.addEventListener('hashchange', route);
  route();
  // Milliseconds: this script's own work, and everything since the page was opened.
  root.setAttribute('data-script-ms', String(Math.round(performance.now() - started)));
  root.setAttribute('data-open-ms', String(Math.round(performance.now())));
  root.setAttribute('data-ready', 'yes');
})();
