// instance.js: one instance's page: the timeline, the state at the
// chosen version (machine tree, source, output, inbox), the diff of two
// versions, the actions, and live updates of the head.
'use strict';

(() => {
  const id = document.body.dataset.id;
  const api = '/api/instances/' + encodeURIComponent(id);
  const $ = (x) => document.getElementById(x);
  const el = wf.el;
  let versions = []; // the history, oldest first
  let head = null; // the head event's data
  let shown = null; // the report shown
  const sources = {}; // program hash -> promise of its source

  // ---- values and the machine tree

  // valueNode renders a value; lists, maps and other objects expand on
  // click (their elements are rendered when first opened).
  function valueNode(ins, v) {
    const obj = v.ref && ins.objects[v.ref - 1];
    if (!obj || !(obj.elems || obj.entries || obj.frames || obj.captured || obj.message)) {
      return el('span', {class: 'val ' + v.kind}, v.repr + (v.truncated ? ' (cut)' : ''));
    }
    const d = el('details', {class: 'val ' + v.kind},
      el('summary', {}, v.repr, el('span', {class: 'meta'}, ' ' + v.kind + (v.len ? ' of ' + v.len : ''))));
    d.addEventListener('toggle', () => {
      if (!d.open || d.dataset.done) return;
      d.dataset.done = '1';
      d.append(objectBody(ins, obj));
    });
    return d;
  }

  function objectBody(ins, o) {
    if (o.elems) return el('ol', {start: '0'}, ...o.elems.map((e) => el('li', {}, valueNode(ins, e))));
    if (o.entries) return table(o.entries.map((e) => [valueNode(ins, e.key), valueNode(ins, e.value)]));
    if (o.frames) return el('div', {}, ...o.frames.map((f) => frameNode(ins, f, '', false)));
    if (o.captured) return table(o.captured.map((c) => [c.name, valueNode(ins, c.value)]));
    return el('span', {}, (o.error_kind || '') + ': ' + (o.message || ''));
  }

  function table(rows, paths) {
    return el('table', {class: 'vars'}, ...rows.map((r, i) =>
      el('tr', paths ? {'data-path': paths[i]} : {}, el('td', {class: 'name'}, r[0]), el('td', {}, r[1]))));
  }

  function frameNode(ins, f, path, current) {
    const locals = f.locals || [];
    return el('div', {class: 'frame' + (current ? ' current' : '')},
      el('div', path ? {class: 'where', 'data-path': path + '.position'} : {class: 'where'}, el('b', {}, f.function), ' at ',
        el('a', {href: '#', class: 'pos', onclick: (e) => { e.preventDefault(); markLine(lineOf(f.position), true); }}, f.position),
        f.point ? el('span', {class: 'meta'}, ' point ' + f.point) : null),
      locals.length ? table(locals.map((l) => [l.name, valueNode(ins, l.value)]), locals.map((l) => path + '.locals.' + l.name))
        : el('div', {class: 'meta'}, 'no locals'));
  }

  // machineNode renders the globals and every fiber, frames innermost
  // last; rows carry the diff's paths (see console.State).
  function machineNode(ins) {
    if (!ins) return el('p', {class: 'meta'}, 'no machine at this version');
    const parts = [];
    if (ins.globals && ins.globals.length) {
      parts.push(el('h4', {}, 'globals'), table(ins.globals.map((g) => [g.name, valueNode(ins, g.value)]), ins.globals.map((g) => 'globals.' + g.name)));
    }
    (ins.fibers || []).forEach((fid, i) => {
      const o = ins.objects[fid - 1] || {};
      const frames = o.frames || [];
      parts.push(el('details', {class: 'fiber', open: ''},
        el('summary', {}, (o.main ? 'main program' : 'fiber #' + fid) + ' (' + (o.status || '?') + ')'),
        ...frames.map((f, j) => frameNode(ins, f, 'fibers[' + i + '].frames[' + j + ']', i === 0 && j === frames.length - 1))));
    });
    return el('div', {}, ...parts);
  }

  // ---- source

  function lineOf(pos) {
    const m = /:(\d+):\d+$/.exec(pos || '');
    return m ? Number(m[1]) : 0;
  }

  function markLine(n, scroll) {
    for (const l of $('source').querySelectorAll('.line.current')) l.classList.remove('current');
    const line = $('source').querySelector('[data-line="' + n + '"]');
    if (line) {
      line.classList.add('current');
      if (scroll) line.scrollIntoView({block: 'center'});
    }
  }

  async function showSource(hash, ins) {
    if (!sources[hash]) sources[hash] = wf.get('/api/programs/' + encodeURIComponent(hash));
    let p;
    try { p = await sources[hash]; } catch (e) { $('source').textContent = e.message; return; }
    const lines = p.source.split('\n');
    if (lines.length && lines[lines.length - 1] === '') lines.pop();
    const frames = new Set();
    let current = 0;
    if (ins) {
      (ins.fibers || []).forEach((fid, i) => {
        const fr = (ins.objects[fid - 1] || {}).frames || [];
        fr.forEach((f, j) => {
          frames.add(lineOf(f.position));
          if (i === 0 && j === fr.length - 1) current = lineOf(f.position);
        });
      });
    }
    $('source').replaceChildren(el('div', {class: 'file'}, p.file),
      ...lines.map((text, i) => el('div', {class: 'line' + (frames.has(i + 1) ? ' frame' : ''), 'data-line': String(i + 1)},
        el('span', {class: 'no'}, String(i + 1)), text)));
    if (current) markLine(current, false);
  }

  // ---- the state at a version

  function summary(rep) {
    const v = rep.version;
    const rows = [['version', v.number + ' of ' + rep.instance.version], ['reason', v.reason], ['status', v.status]];
    if (rep.waiting_for) rows.push(['waiting for', rep.waiting_for]);
    if (v.due) rows.push(['due', v.due]);
    if (rep.instance.input) rows.push(['input', rep.instance.input]);
    if (v.detail) rows.push(['detail', v.detail]);
    if (v.error) rows.push(['error', v.error]);
    if (rep.instance.parent) rows.push(['forked from', rep.instance.parent]);
    $('summary').replaceChildren(...rows.flatMap(([k, val]) => [el('dt', {}, k), el('dd', {'data-field': k}, val)]));
  }

  async function show(n) {
    try {
      const rep = await wf.get(api + '?at=' + n);
      shown = rep;
      summary(rep);
      $('at2').textContent = 'version ' + n;
      $('machine').replaceChildren(machineNode(rep.machine));
      $('output').textContent = rep.version.output;
      $('inbox').replaceChildren(...(rep.queued_signals || []).map((m) => el('li', {}, '#' + m.id + ' ' + m.name + ' = ' + m.value)));
      if (!(rep.queued_signals || []).length) $('inbox').replaceChildren(el('li', {class: 'meta'}, 'empty'));
      await showSource(rep.version.program || rep.instance.program, rep.machine);
    } catch (e) {
      message(e.message, true);
    }
  }

  // ---- the timeline

  function cut(s, n) {
    return s.length > n ? s.slice(0, n) + '…' : s;
  }

  function slid() {
    const v = versions[Number($('slider').value)];
    if (!v) return;
    $('at').textContent = 'version ' + v.number + ' of ' + versions[versions.length - 1].number;
    $('reason').textContent = v.reason + (v.detail ? ': ' + cut(v.detail, 200) : '');
    for (const li of $('versions').children) li.classList.toggle('here', li.dataset.n === String(v.number));
    show(v.number);
  }

  async function loadHistory() {
    const atHead = !versions.length || Number($('slider').value) === versions.length - 1;
    versions = await wf.get(api + '/history?brief=1');
    const s = $('slider');
    s.max = String(versions.length - 1);
    $('ticks').replaceChildren(...versions.map((v, i) => el('option', {value: String(i), label: 'v' + v.number})));
    if (atHead) s.value = s.max;
    $('versions').replaceChildren(...versions.map((v, i) => el('li', {'data-n': String(v.number)},
      el('a', {href: '#', onclick: (e) => { e.preventDefault(); s.value = String(i); slid(); }},
        'v' + v.number), ' ' + v.reason + (v.detail ? ': ' + cut(v.detail, 80) : '') + ' → ' + v.status + (v.waiting_for ? ' ' + v.waiting_for : ''))));
    for (const sel of [$('from'), $('to')]) {
      const keep = sel.value;
      sel.replaceChildren(...versions.map((v) => el('option', {value: String(v.number)}, 'v' + v.number + ': ' + v.reason)));
      if (keep) sel.value = keep;
    }
    if (!$('to').dataset.set) {
      $('to').value = String(versions[versions.length - 1].number);
      $('from').value = String(versions[Math.max(0, versions.length - 2)].number);
    }
    slid();
  }

  // ---- the diff

  function changedPaths(changes) {
    return (p) => changes.some((c) => c.path === p || c.path.startsWith(p + '.') || c.path.startsWith(p + '['));
  }

  async function diff() {
    try {
      const d = await wf.get(api + '/diff?from=' + $('from').value + '&to=' + $('to').value);
      const changed = changedPaths(d.changes);
      const side = (rep) => {
        const m = machineNode(rep.machine);
        for (const r of m.querySelectorAll('[data-path]')) if (changed(r.dataset.path)) r.classList.add('changed');
        return el('div', {class: 'side'}, el('h4', {}, 'version ' + rep.version.number + ': ' + rep.version.reason + ' (' + rep.version.status + ')'), m,
          el('pre', {class: 'output' + (changed('output') ? ' changed' : '')}, rep.version.output));
      };
      $('diff').replaceChildren(el('div', {class: 'sides'}, side(d.from), side(d.to)),
        el('h4', {}, d.changes.length + ' change' + (d.changes.length === 1 ? '' : 's')),
        el('pre', {class: 'changes'}, d.changes.map(changeText).join('\n')));
    } catch (e) {
      message(e.message, true);
    }
  }

  function changeText(c) {
    if (c.old === undefined) return '+ ' + c.path + ': ' + JSON.stringify(c.new);
    if (c.new === undefined) return '- ' + c.path + ': ' + JSON.stringify(c.old);
    return '~ ' + c.path + ': ' + JSON.stringify(c.old) + ' → ' + JSON.stringify(c.new);
  }

  // ---- actions

  function message(text, bad) {
    $('message').textContent = text;
    $('message').className = 'message' + (bad ? ' error' : ' ok');
  }

  // checkJSON validates a JSON field as it is typed.
  function checkJSON(input, out) {
    const check = () => {
      try {
        JSON.parse(input.value);
        out.textContent = '✓ valid JSON';
        out.className = 'check ok';
        return true;
      } catch (e) {
        out.textContent = '✗ ' + e.message;
        out.className = 'check error';
        return false;
      }
    };
    input.addEventListener('input', check);
    return check;
  }

  async function fresh() {
    return wf.get(api);
  }

  async function act(title, text, path, body) {
    if (!await wf.confirm(title, text)) return;
    try {
      const r = await wf.post(api + '/' + path, body);
      message(title + ': done. ' + JSON.stringify(r));
      if (r.forked_from) {
        message('Forked as ' + r.id + ' (' + r.status + '): ');
        $('message').append(el('a', {href: '/instances/' + encodeURIComponent(r.id)}, 'open it'));
      }
    } catch (e) {
      message(title + ': ' + e.message, true);
    }
  }

  function pretty(text) {
    return JSON.stringify(JSON.parse(text), null, 2);
  }

  function here(rep) {
    return id + ' (version ' + rep.instance.version + ', ' + rep.instance.status + (rep.instance.waiting_for ? ', waiting for ' + rep.instance.waiting_for : '') + ')';
  }

  // lookup finds a variable as wf set does: the current frame's locals,
  // then the globals.
  function lookup(ins, name) {
    if (!ins) return null;
    const fr = ((ins.objects[(ins.fibers || [])[0] - 1] || {}).frames || []);
    const top = fr[fr.length - 1];
    for (const l of (top && top.locals) || []) if (l.name === name) return l.value.repr;
    for (const g of ins.globals || []) if (g.name === name) return g.value.repr;
    return null;
  }

  function wireActions() {
    const sigOK = checkJSON($('signal-value'), $('signal-check'));
    const setOK = checkJSON($('set-value'), $('set-check'));
    $('signal-form').addEventListener('submit', async (e) => {
      e.preventDefault();
      if (!sigOK()) return;
      const name = $('signal-name').value;
      const rep = await fresh();
      const now = rep.instance.status === 'waiting' && rep.instance.waiting_for === name;
      act('Send signal ' + name, 'To ' + here(rep) + '\nsignal ' + name + ' with value:\n' + pretty($('signal-value').value) + '\n\n' +
        (now ? 'It waits for ' + name + ': it resumes now, and a new version records the signal.'
          : 'It is not waiting for ' + name + ': the signal is queued until it waits for it.'),
      'signal', {name, value: JSON.parse($('signal-value').value), expect_version: rep.instance.version});
    });
    $('set-form').addEventListener('submit', async (e) => {
      e.preventDefault();
      if (!setOK()) return;
      const name = $('set-name').value;
      const rep = await fresh();
      const old = lookup(rep.machine, name);
      act('Set ' + name, 'In ' + here(rep) + '\n' + name + ': ' + (old === null ? '(not found in the current frame or the globals)' : old) +
        '\n  becomes ' + pretty($('set-value').value) + '\n\nA new version records the change.',
      'set', {name, value: JSON.parse($('set-value').value), any_type: $('set-any').checked, expect_version: rep.instance.version});
    });
    const atSlider = () => versions[Number($('slider').value)];
    $('fork-go').addEventListener('click', async () => {
      const v = atSlider();
      const rep = await fresh();
      act('Fork at version ' + v.number, 'A new instance starts from version ' + v.number + ' of ' + id + ' (' + v.reason + ', ' + v.status +
        ').\n' + here(rep) + ' does not change.', 'fork', {at: v.number});
    });
    $('rewind-go').addEventListener('click', async () => {
      const v = atSlider();
      const rep = await fresh();
      let changes = '';
      try {
        const d = await wf.get(api + '/diff?from=' + rep.instance.version + '&to=' + v.number);
        changes = d.changes.map(changeText).join('\n') || '(no change)';
      } catch (e) { changes = e.message; }
      act('Rewind to version ' + v.number, here(rep) + '\ncontinues from version ' + v.number + ' (' + v.reason + ').\nA new version ' +
        (rep.instance.version + 1) + ' records the rewind; no version is deleted.\n\nWhat changes:\n' + changes,
      'rewind', {to: v.number, force: $('rewind-force').checked, expect_version: rep.instance.version});
    });
    $('cancel-go').addEventListener('click', async () => {
      const rep = await fresh();
      act('Cancel ' + id, here(rep) + '\nbecomes cancelled, for good: signals are refused, timers do not fire, no worker runs it.\n' +
        'Its history stays readable; only a forced rewind revives it.', 'cancel', {expect_version: rep.instance.version});
    });
    $('upgrade-form').addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        const res = await wf.post(api + '/upgrade-dry-run', {file: $('upgrade-file').value, source: $('upgrade-source').value});
        $('upgrade-report').textContent = res.map((r) => r.id + ': ' + r.verdict + (r.reason ? ' (' + r.reason + ')' : '') +
          (r.problems || []).map((p) => '\n  ' + JSON.stringify(p)).join('')).join('\n') + '\n(dry run: nothing changed)';
      } catch (err) {
        $('upgrade-report').textContent = err.message;
      }
    });
  }

  // ---- start

  $('slider').addEventListener('input', slid);
  $('diff-go').addEventListener('click', diff);
  $('to').addEventListener('change', () => { $('to').dataset.set = '1'; });
  wireActions();
  const es = new EventSource(api + '/events');
  wf.live(es);
  es.addEventListener('head', (ev) => {
    head = JSON.parse(ev.data);
    $('status').textContent = head.status;
    $('status').className = 'status ' + head.status;
    if (versions.length && versions[versions.length - 1].number !== head.version) loadHistory().catch((e) => message(e.message, true));
  });
  loadHistory().catch((e) => message(e.message, true));
})();
