// For maintainers: run one lesson's check N times on a folder and count verdicts, to prove a check
// is not flaky. npm run repeat -- <lesson> [--solution | --dir <folder>] [--times 20]
import './require-node.ts';
import { checkLesson } from '../checks/lib/index.ts';
import { parseCheckArgs } from './check.ts';
import { isEntry, runCommand, UsageError } from './cli.ts';

async function main(): Promise<number> {
  // --times is ours; everything else means what it means to npm run check.
  const argv = process.argv.slice(2);
  const at = argv.indexOf('--times');
  const times = at >= 0 ? Number(argv[at + 1]) : 20;
  if (at >= 0) argv.splice(at, 2);
  if (!Number.isInteger(times) || times < 1) throw new UsageError('--times takes a whole number of at least 1');
  const args = parseCheckArgs(argv);
  if (args === 'all-done') throw new UsageError('name a lesson: every lesson has passed');

  const durations: number[] = [];
  const failures = new Map<string, number>();
  let passed = 0;
  for (let i = 1; i <= times; i++) {
    const r = await checkLesson(args.lesson, args.dir);
    durations.push(r.durationMs);
    if (r.ok) passed++;
    for (const e of r.expectations) if (!e.ok) failures.set(e.name, (failures.get(e.name) ?? 0) + 1);
    process.stdout.write(`${r.ok ? '✓' : '✗'}${i % 20 === 0 ? '\n' : ''}`);
  }
  const sorted = [...durations].sort((a, b) => a - b);
  const s = (ms: number | undefined): string => ((ms ?? 0) / 1000).toFixed(2);
  console.log(`\n${args.lesson.id} on ${args.dir}: passed ${passed}/${times}, failed ${times - passed}/${times}`);
  console.log(`time to a verdict: median ${s(sorted[Math.floor(sorted.length / 2)])} s, min ${s(sorted[0])} s, max ${s(sorted.at(-1))} s`);
  for (const [name, count] of failures) console.log(`  ✗ ${count}× ${name}`);
  return 0;
}

if (isEntry(import.meta)) await runCommand(main, 'npm run repeat -- <lesson> [--solution | --dir <folder>] [--times 20]');
