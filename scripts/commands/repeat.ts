// For maintainers: run one lesson's check N times on a folder and count verdicts, to prove a check
// is not flaky. npm run repeat -- <lesson> [--solution | --dir <folder>] [--times 20]
import { checkLesson } from '../../checks/lib/runner.ts';
import { defineCommand } from '../command.ts';
import { UsageError } from '../errors.ts';
import { folderOptions, pickTarget } from '../lesson-arg.ts';

export const repeat = defineCommand({
  name: 'repeat',
  usage: 'npm run repeat -- <lesson> [--solution | --dir <folder>] [--times 20]',
  options: { ...folderOptions, times: { type: 'string', default: '20' } },
  positionals: 1,
  async run({ values, positionals }, { ws }) {
    const times = Number(values.times);
    if (!Number.isInteger(times) || times < 1) throw new UsageError('--times takes a whole number of at least 1');
    const target = pickTarget(ws, positionals, values);
    if (!target) throw new UsageError('name a lesson: every lesson has passed');

    const durations: number[] = [];
    const failures = new Map<string, number>();
    let passed = 0;
    for (let i = 1; i <= times; i++) {
      const r = await checkLesson(target.lesson, target.dir);
      durations.push(r.durationMs);
      if (r.ok) passed++;
      for (const e of r.expectations) if (!e.ok) failures.set(e.name, (failures.get(e.name) ?? 0) + 1);
      process.stdout.write(`${r.ok ? '✓' : '✗'}${i % 20 === 0 ? '\n' : ''}`);
    }
    const sorted = [...durations].sort((a, b) => a - b);
    const s = (ms: number | undefined): string => ((ms ?? 0) / 1000).toFixed(2);
    console.log(`\n${target.lesson.id} on ${target.dir}: passed ${passed}/${times}, failed ${times - passed}/${times}`);
    console.log(`time to a verdict: median ${s(sorted[Math.floor(sorted.length / 2)])} s, min ${s(sorted[0])} s, max ${s(sorted.at(-1))} s`);
    for (const [name, count] of failures) console.log(`  ✗ ${count}× ${name}`);
    return 0;
  },
});
