// Sums Vitest's and Playwright's JSON reports into one line: "tests: N passed, N failed, N skipped".
// Exits 1 if anything failed, a report is missing, or no test ran at all.
import { existsSync, readFileSync } from 'node:fs';

let passed = 0, failed = 0, skipped = 0, problems = [];
const [vitestFile, pwFile] = process.argv.slice(2);

if (existsSync(vitestFile)) {
  const v = JSON.parse(readFileSync(vitestFile, 'utf8'));
  passed += v.numPassedTests ?? 0;
  // A file that failed without a failed test (an import or collection error) counts once; a failed test counts
  // once, not again for its describe block and file.
  const fileErrors = (v.testResults ?? []).filter((f) => f.status === 'failed' && !(f.assertionResults ?? []).some((a) => a.status === 'failed')).length;
  failed += (v.numFailedTests ?? 0) + fileErrors;
  skipped += (v.numPendingTests ?? 0) + (v.numTodoTests ?? 0);
} else problems.push(`missing ${vitestFile}`);

if (existsSync(pwFile)) {
  const s = JSON.parse(readFileSync(pwFile, 'utf8')).stats ?? {};
  passed += (s.expected ?? 0) + (s.flaky ?? 0);
  failed += s.unexpected ?? 0;
  skipped += s.skipped ?? 0;
} else problems.push(`missing ${pwFile}`);

for (const p of problems) console.log(`test summary: ${p}`);
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || problems.length > 0 || passed === 0 ? 1 : 0);
