// list.js: keeps the list of instances live: the server sends the page
// again whenever an instance on it changes.
'use strict';

(() => {
  const rows = document.getElementById('rows');
  const es = new EventSource('/api/events' + location.search);
  wf.live(es);
  es.addEventListener('list', (ev) => {
    const list = JSON.parse(ev.data);
    rows.replaceChildren(...list.map((r) => wf.el('tr', {'data-id': r.id},
      wf.el('td', {}, wf.el('a', {href: '/instances/' + encodeURIComponent(r.id)}, r.id)),
      wf.el('td', {class: 'status ' + r.status}, r.status),
      wf.el('td', {}, r.waiting_for),
      wf.el('td', {}, r.due),
      wf.el('td', {title: r.program}, r.file + ' ', wf.el('code', {}, r.program)),
      wf.el('td', {}, r.version),
      wf.el('td', {}, r.updated))));
    if (list.length === 0) rows.replaceChildren(wf.el('tr', {class: 'empty'}, wf.el('td', {colspan: '7'}, 'no instances')));
  });
})();
