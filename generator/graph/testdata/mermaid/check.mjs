// Parses each file named on the command line with the real Mermaid parser
// (mermaid.parse, which needs a DOM: jsdom gives it one) and prints one JSON
// line per file: {"file": ..., "ok": true, "type": "flowchart-v2"} or
// {"file": ..., "ok": false, "error": "..."}. Exits 0 once every file is
// judged; the Go test decides. Run from the directory scripts/mermaid-deps.sh
// installs into (its node_modules).
import { readFileSync } from 'node:fs';
import { JSDOM } from 'jsdom';

const dom = new JSDOM('<!DOCTYPE html><body></body>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false });

for (const file of process.argv.slice(2)) {
  const text = readFileSync(file, 'utf8');
  try {
    const r = await mermaid.parse(text);
    console.log(JSON.stringify({ file, ok: true, type: r.diagramType }));
  } catch (e) {
    console.log(JSON.stringify({ file, ok: false, error: String(e && e.message || e) }));
  }
}
