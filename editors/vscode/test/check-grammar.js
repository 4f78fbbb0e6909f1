// check-grammar.js tokenizes .wf files with the extension's TextMate
// grammar, as VS Code does (vscode-textmate with the Oniguruma regex
// engine), and checks each token wf's own scanner reports against the
// scopes the grammar gives it. Run by grammar_test.go:
//
//	node test/check-grammar.js EXPECTED.json
//
// EXPECTED.json is [{file, tokens: [{kind, line, col, len}]}], lines and
// columns 0-based in UTF-16 units. It prints each mismatch and exits 1 if
// there is any.
'use strict';
const fs = require('fs');
const path = require('path');
const vsctm = require('vscode-textmate');
const oniguruma = require('vscode-oniguruma');

const want = {
  keyword: /keyword|storage|constant\.language/,
  comment: /comment/,
  number: /constant\.numeric/,
  string: /string/,
  interpolation: /interpolation/,
};

async function main() {
  const wasm = fs.readFileSync(path.join(path.dirname(require.resolve('vscode-oniguruma')), 'onig.wasm')).buffer;
  await oniguruma.loadWASM(wasm);
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (p) => new oniguruma.OnigScanner(p),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async () => vsctm.parseRawGrammar(
      fs.readFileSync(path.join(__dirname, '..', 'syntaxes', 'wf.tmLanguage.json'), 'utf8'), 'wf.tmLanguage.json'),
  });
  const grammar = await registry.loadGrammar('source.wf');
  const files = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  let bad = 0, checked = 0;
  for (const f of files) {
    const scopes = scopesByLine(grammar, fs.readFileSync(f.file, 'utf8'));
    for (const t of f.tokens) {
      checked++;
      const at = (scopes[t.line] || [])[t.col] || '';
      if (!want[t.kind].test(at)) {
        bad++;
        if (bad <= 20) console.log(`${f.file}:${t.line + 1}:${t.col + 1}: ${t.kind} token has scopes "${at}"`);
      }
    }
  }
  console.log(`${checked} tokens checked, ${bad} mismatched`);
  process.exit(bad === 0 && checked > 0 ? 0 : 1);
}

// scopesByLine returns, for each line, the scopes of each UTF-16 unit.
function scopesByLine(grammar, text) {
  const out = [];
  let rule = vsctm.INITIAL;
  for (const line of text.split('\n')) {
    const r = grammar.tokenizeLine(line, rule);
    const units = new Array(line.length).fill('');
    for (const tok of r.tokens) {
      for (let i = tok.startIndex; i < tok.endIndex; i++) units[i] = tok.scopes.join(' ');
    }
    out.push(units);
    rule = r.ruleStack;
  }
  return out;
}

main().catch((e) => { console.error(e); process.exit(1); });
