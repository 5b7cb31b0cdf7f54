// For maintainers: run one lesson's check N times on a folder and count verdicts, to prove a check
// is not flaky. npm run repeat -- <lesson> [--solution | --dir <folder>] [--times 20] [--full]
// Each run prints its verdict, its time and the first expectation that failed (the run ends there
// unless --full asks for the rest); the end tallies those first failures. A wrong variant's
// `// fails: <expectation>` line (in any of its files) is what the test suite asserts, so the tally
// also says in how many runs the first ✗ was that one.
import { checkLesson } from '../../checks/lib/runner.ts';
import { defineCommand } from '../command.ts';
import { UsageError } from '../errors.ts';
import { folderOptions, pickTarget } from '../lesson-arg.ts';
import { variantVerdict } from '../variants.ts';

export const repeat = defineCommand({
  name: 'repeat',
  usage: 'npm run repeat -- <lesson> [--solution | --dir <folder>] [--times 20] [--full]',
  options: { ...folderOptions, times: { type: 'string', default: '20' }, full: { type: 'boolean', default: false } },
  positionals: 1,
  async run({ values, positionals }, { ws }) {
    const times = Number(values.times);
    if (!Number.isInteger(times) || times < 1) throw new UsageError('--times takes a whole number of at least 1');
    const target = pickTarget(ws, positionals, values);
    if (!target) throw new UsageError('name a lesson: every lesson has passed');
    const named = variantVerdict(target.dir).fails;

    const s = (ms: number | undefined): string => ((ms ?? 0) / 1000).toFixed(2);
    const durations: number[] = [];
    const firsts = new Map<string, number>();
    let passed = 0;
    let atNamed = 0;
    for (let i = 1; i <= times; i++) {
      // Only the first ✗ is counted: a run ends there, unless --full asks for every expectation.
      const r = await checkLesson(target.lesson, target.dir, values.full ? {} : { stopWhen: (e) => !e.ok });
      durations.push(r.durationMs);
      if (r.ok) passed++;
      const failed = r.expectations.find((e) => !e.ok);
      const first = failed?.name ?? (r.ok ? undefined : `(stopped: ${r.stoppedEarly ?? 'no expectation failed'})`);
      if (first !== undefined) firsts.set(first, (firsts.get(first) ?? 0) + 1);
      if (named && first?.includes(named)) atNamed++;
      console.log(`${r.ok ? '✓' : '✗'} ${String(i).padStart(String(times).length)}/${times} ${s(r.durationMs)} s${first ? `  first ✗: ${first}` : ''}`);
      // What it saw, where a run fails that should not differ from the others: the clue to a flake.
      if (failed?.seen && (r.ok || !named || !failed.name.includes(named))) console.log(`    seen: ${failed.seen.split('\n').slice(0, 4).join('\n          ')}`);
    }
    const sorted = [...durations].sort((a, b) => a - b);
    console.log(`\n${target.lesson.id} on ${target.dir}: passed ${passed}/${times}, failed ${times - passed}/${times}`);
    console.log(`time to a verdict: median ${s(sorted[Math.floor(sorted.length / 2)])} s, min ${s(sorted[0])} s, max ${s(sorted.at(-1))} s`);
    if (named) console.log(`first ✗ at its "// fails: ${named}": ${atNamed}/${times}`);
    for (const [name, count] of [...firsts].sort((a, z) => z[1] - a[1])) console.log(`  first ✗ ${count}× ${name}`);
    return 0;
  },
});
