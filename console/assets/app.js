// app.js: helpers shared by the console's pages. Data from the server
// is only ever put in the page as text (textContent), never as HTML.
'use strict';

const wf = {
  csrf: document.querySelector('meta[name="csrf-token"]').content,

  // el makes an element with attributes and children; strings become
  // text nodes.
  el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') e.className = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v);
    }
    for (const k of kids) {
      if (k === null || k === undefined) continue;
      e.append(typeof k === 'string' || typeof k === 'number' ? document.createTextNode(String(k)) : k);
    }
    return e;
  },

  // get fetches JSON, throwing the server's error message.
  async get(url) {
    const r = await fetch(url, {headers: {Accept: 'application/json'}});
    return wf.answer(r);
  },

  // post sends body as JSON with the CSRF token.
  async post(url, body) {
    const r = await fetch(url, {
      method: 'POST',
      headers: {'Content-Type': 'application/json', 'X-CSRF-Token': wf.csrf},
      body: JSON.stringify(body),
    });
    return wf.answer(r);
  },

  async answer(r) {
    let data = null;
    try { data = await r.json(); } catch (e) { /* not JSON */ }
    if (!r.ok) throw new Error((data && data.error) || (r.status + ' ' + r.statusText));
    return data;
  },

  // confirm shows title and text in the confirmation dialog and
  // resolves to whether the user confirmed.
  confirm(title, text) {
    const d = document.getElementById('confirm');
    document.getElementById('confirm-title').textContent = title;
    document.getElementById('confirm-text').textContent = text;
    return new Promise((resolve) => {
      const yes = document.getElementById('confirm-yes');
      const no = document.getElementById('confirm-no');
      const done = (ok) => {
        yes.onclick = no.onclick = null;
        d.close();
        resolve(ok);
      };
      yes.onclick = () => done(true);
      no.onclick = () => done(false);
      d.showModal();
    });
  },

  // live shows the state of an event stream in #live.
  live(source) {
    const s = document.getElementById('live');
    source.onopen = () => { s.textContent = '● live'; s.className = 'on'; };
    source.onerror = () => { s.textContent = '○ reconnecting'; s.className = 'off'; };
  },
};
