#!/usr/bin/env node
// Check Mermaid diagram text (e.g. `sleuthc graph --format mermaid` output) with
// Mermaid's own parser, under plain Node and with no browser.
//
//   node check.mjs FILE...      parse each file
//   node check.mjs -            parse stdin
//
// Prints `ok FILE` for each file that parses. For a file that does not, it prints
// `FAIL FILE`, the line the parser pointed at, and Mermaid's error, all to stderr.
// Exits 1 if any input failed and 2 on a usage error.

import { readFileSync } from 'node:fs';
import DOMPurify from 'dompurify';

// Mermaid imports DOMPurify when it loads and calls DOMPurify.addHook / .sanitize on
// label text while parsing. Outside a browser, DOMPurify has no `window`, so it
// reports isSupported = false and has neither method ("DOMPurify.addHook is not a
// function"). Sanitizing labels has no effect on syntax, so stub both methods. The
// identity sanitize is what DOMPurify itself returns when it is unsupported. This must
// be the same module instance that Mermaid imports. package.json pins dompurify to a
// version that satisfies Mermaid's range, so npm installs only one copy.
if (!DOMPurify.isSupported) {
  DOMPurify.addHook ??= () => {};
  DOMPurify.removeHook ??= () => {};
  DOMPurify.removeHooks ??= () => {};
  DOMPurify.removeAllHooks ??= () => {};
  DOMPurify.sanitize ??= (dirty) => dirty;
}

// Import Mermaid only after the stub is in place. A static import would be hoisted.
const { default: mermaid } = await import('mermaid');

const args = process.argv.slice(2);
if (args.length === 0 || args.includes('-h') || args.includes('--help')) {
  process.stderr.write('usage: node check.mjs FILE... (use - for stdin)\n');
  process.exit(2);
}

const indent = (s) => String(s).replace(/^/gm, '    ');

let failed = 0;
for (const file of args) {
  const name = file === '-' ? '<stdin>' : file;
  let text;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (err) {
    failed++;
    process.stderr.write(`FAIL ${name}\n${indent(err.message)}\n`);
    continue;
  }
  try {
    // Throws on a syntax error or when no diagram type is detected. Otherwise it
    // resolves to { diagramType, config }.
    await mermaid.parse(text);
    process.stdout.write(`ok ${name}\n`);
  } catch (err) {
    failed++;
    let where = '';
    // Jison parse errors have a location. Its first_line is 1-based and counts lines
    // in the input text. It marks the start of the offending token, which can be a
    // line or so before the real cause (e.g. an unclosed quote).
    const line = err?.hash?.loc?.first_line;
    if (Number.isInteger(line)) {
      const lines = text.split('\n');
      where =
        line >= 1 && line <= lines.length && lines[line - 1] !== ''
          ? `  near line ${line}: ${lines[line - 1].trim()}\n`
          : '  at end of input\n';
    }
    process.stderr.write(`FAIL ${name}\n${where}${indent(err?.message ?? err)}\n`);
  }
}
process.exit(failed ? 1 : 0);
