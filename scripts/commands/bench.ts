// npm run bench [-- --seconds 5 --warmup 2 --reps 4 --connections 20 --n 25 --server <file> --out <dir>]
// The measurement the benchmark lesson (`bench: true` in course.ts) teaches, on its solution: one
// worker vs one per core vs 2 × cores on the CPU-bound /work route, repeated side by side; a table,
// a terminal chart, bench.svg and bench.json (where the web page shows the chart).
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { measure, type BenchOptions, type Progress } from '../bench/measure.ts';
import { summarize, svg, table, terminalChart } from '../bench/report.ts';
import { defineCommand } from '../command.ts';
import { Refusal, UsageError } from '../errors.ts';
import { pc } from '../views/colors.ts';
import { bar } from '../views/course.ts';

export const bench = defineCommand({
  name: 'bench',
  usage: 'npm run bench [-- --seconds 5 --warmup 2 --reps 4 --connections 20 --n 25 --server <file> --out <dir>]',
  options: {
    seconds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    reps: { type: 'string', default: '4' },
    connections: { type: 'string', default: '20' },
    n: { type: 'string', default: '25' },
    server: { type: 'string' },
    out: { type: 'string' },
  },
  positionals: 0,
  async run({ values }, { ws }) {
    const lesson = ws.lessons.find((l) => l.bench);
    const server = values.server ? resolve(values.server) : lesson && join(ws.solutionDir(lesson), 'server.ts');
    if (!server) throw new Refusal('no lesson in course.ts is marked bench: true; name a server with --server <file>');
    const out = values.out ?? join(ws.stateDir, 'bench');
    const cores = availableParallelism();
    const opts: BenchOptions = {
      server,
      workerCounts: [...new Set([1, cores, 2 * cores])],
      seconds: Number(values.seconds),
      warmup: Number(values.warmup),
      reps: Number(values.reps),
      connections: Number(values.connections),
      n: Number(values.n),
    };
    for (const [k, v] of Object.entries(opts)) {
      if (typeof v === 'number' && !(v >= 0 && Number.isFinite(v))) throw new UsageError(`--${k} must be a number ≥ 0, not ${String(v)}`);
    }

    const tty = process.stdout.isTTY;
    let lastLine = '';
    const showProgress = (p: Progress): void => {
      const fraction = p.total > 0 ? Math.min(1, p.done / p.total) : 1;
      const left = Math.max(0, Math.round(p.total - p.done));
      const line = `[${bar(fraction)}] ${String(Math.round(fraction * 100)).padStart(3)}% ${p.label} · ~${left} s left`;
      if (tty) process.stdout.write(`\r${line.padEnd(lastLine.length)}`);
      else if (p.label !== lastLine) console.log(line);
      lastLine = tty ? line : p.label;
    };

    const total = opts.workerCounts.length * (1 + opts.warmup) + opts.reps * opts.workerCounts.length * opts.seconds;
    console.log(pc.bold(`npm run bench: ${relative(ws.root, opts.server)} with WORKERS = ${opts.workerCounts.join(', ')}`));
    console.log(pc.dim(`fib(${opts.n}) on /work, ${opts.connections} connections, ${opts.warmup} s warm-up, ${opts.reps} × ${opts.seconds} s per worker count, interleaved · about ${Math.round(total * 1.1)} s\n`));

    const samples = await measure(opts, showProgress);
    if (tty) process.stdout.write('\r' + ' '.repeat(lastLine.length) + '\r');

    const verdict = summarize(samples, cores);
    const meta = `${cpus()[0]?.model.trim() ?? 'cpu'} · ${cores} cores · Node ${process.version} · fib(${opts.n}) · ${opts.connections} connections · ${opts.reps} × ${opts.seconds} s · autocannon on the same machine`;
    console.log(table(verdict));
    console.log('');
    console.log(terminalChart(verdict));
    console.log('');

    const single = verdict.summaries.find((s) => s.workers === 1);
    const cluster = verdict.summaries.find((s) => s.workers === cores);
    const r = verdict.ratio;
    const headline = `cluster (${cores} workers) ÷ single: median ${r.median.toFixed(2)}×, range ${r.min.toFixed(2)}–${r.max.toFixed(2)}× over ${opts.reps} repetitions (goal ≥ ${verdict.goal.toFixed(2)}× = 0.85 × ${cores} cores)`;
    console.log(r.median >= verdict.goal ? pc.green(`✓ ${headline}`) : pc.yellow(`△ ${headline}`));
    if (single && cluster && cores > 1) {
      // Where the CPU went: the machine has `cores` cores; autocannon takes its share of them.
      const others = cluster.otherCores ?? 0;
      const left = cores - cluster.loadCores - others;
      const perCpu = cluster.reqPerCpuSecond / Math.max(single.reqPerCpuSecond, 1);
      console.log(
        [
          `  autocannon itself used ${cluster.loadCores.toFixed(2)} cores during the cluster runs (${single.loadCores.toFixed(2)} during the single ones),`,
          `  other programs on the machine ${cluster.otherCores === undefined ? '(unknown here)' : `${others.toFixed(2)} cores`};`,
          `  the cluster's workers got ${cluster.serverCores.toFixed(2)} of the ${Math.max(0, left).toFixed(2)} cores left, the single worker ${single.serverCores.toFixed(2)}.`,
          `  Per second of server CPU the cluster served ${Math.round(cluster.reqPerCpuSecond)} requests, the single worker ${Math.round(single.reqPerCpuSecond)} (${perCpu.toFixed(2)}×):`,
          `  ${perCpu >= 0.9 ? 'the workers scale per core; what is missing is the CPU the load generator and the rest of the machine took.' : 'the workers also lose efficiency (context switches, the primary handing out connections).'}`,
          `  CPU-bound ideal with what was left: ${(single.reqPerSec.median * (cluster.serverCores / Math.max(single.serverCores, 0.01))).toFixed(0)} req/s vs ${Math.round(cluster.reqPerSec.median)} measured.`,
        ].join('\n'),
      );
    }

    mkdirSync(out, { recursive: true });
    const svgFile = join(out, 'bench.svg');
    const jsonFile = join(out, 'bench.json');
    writeFileSync(svgFile, svg(verdict, samples, meta));
    writeFileSync(jsonFile, JSON.stringify({ meta, options: opts, verdict, samples, at: new Date().toISOString() }, null, 2) + '\n');
    console.log(pc.dim(`\nwrote ${ws.shown(svgFile)} and ${ws.shown(jsonFile)}`));
    return 0;
  },
});
