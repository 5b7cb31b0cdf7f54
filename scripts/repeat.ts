// For maintainers: run one lesson's check N times on a folder and count verdicts, to prove a check
// is not flaky. npm run repeat -- <lesson> [--solution | --dir <folder>] [--times 20]
import './require-node.ts';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { findLesson, lessonPaths } from '../course.ts';
import { checkLesson, killAllNow } from '../checks/lib/index.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { solution: { type: 'boolean' }, dir: { type: 'string' }, times: { type: 'string', default: '20' } },
});
const lesson = findLesson(positionals[0] ?? '');
if (!lesson) {
  console.error('✖ usage: npm run repeat -- <lesson> [--solution | --dir <folder>] [--times 20]');
  process.exit(2);
}
const dir = values.dir ? resolve(values.dir) : values.solution ? lessonPaths(lesson).solution : lessonPaths(lesson).lesson;
const times = Number(values.times);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    killAllNow();
    process.exit(130);
  });
}

const durations: number[] = [];
const failures = new Map<string, number>();
let passed = 0;
for (let i = 1; i <= times; i++) {
  const r = await checkLesson(lesson, dir);
  durations.push(r.durationMs);
  if (r.ok) passed++;
  for (const e of r.expectations) if (!e.ok) failures.set(e.name, (failures.get(e.name) ?? 0) + 1);
  process.stdout.write(`${r.ok ? '✓' : '✗'}${i % 20 === 0 ? '\n' : ''}`);
}
const sorted = [...durations].sort((a, b) => a - b);
const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
console.log(`\n${lesson.id} on ${dir}: passed ${passed}/${times}, failed ${times - passed}/${times}`);
console.log(`time to a verdict: median ${(median / 1000).toFixed(2)} s, min ${((sorted[0] ?? 0) / 1000).toFixed(2)} s, max ${((sorted.at(-1) ?? 0) / 1000).toFixed(2)} s`);
for (const [name, count] of failures) console.log(`  ✗ ${count}× ${name}`);
process.exit(0);
