// What `npm run bench` shows: medians and spreads per worker count, the cluster/single ratio per
// repetition, where the CPU went, and the same numbers as a terminal chart and an SVG.
import { pc } from '../views/colors.ts';
import type { Sample } from './measure.ts';

export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export interface Summary {
  readonly workers: number;
  readonly reqPerSec: Spread;
  readonly p50: Spread;
  readonly p99: Spread;
  readonly errors: number;
  /** Cores' worth of CPU: autocannon's and the server's, during the runs (median). */
  readonly loadCores: number;
  readonly serverCores: number;
  /** Cores' worth of CPU the rest of the machine (other programs) took during the runs (median), if known. */
  readonly otherCores?: number;
  /** Requests per second of server CPU time (median): how well the server uses the CPU it gets. */
  readonly reqPerCpuSecond: number;
}

export interface Verdict {
  readonly cores: number;
  readonly ratio: Spread; // cluster (WORKERS = cores) req/s ÷ single req/s, per repetition
  readonly goal: number; // 0.85 × cores
  readonly summaries: readonly Summary[];
}

export function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  const median = sorted.length === 0 ? 0 : sorted.length % 2 ? (sorted[Math.floor(mid)] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  return { median, min: sorted[0] ?? 0, max: sorted.at(-1) ?? 0 };
}

export function summarize(samples: readonly Sample[], cores: number): Verdict {
  const counts = [...new Set(samples.map((s) => s.workers))];
  const summaries = counts.map((workers): Summary => {
    const mine = samples.filter((s) => s.workers === workers);
    return {
      workers,
      reqPerSec: spread(mine.map((s) => s.reqPerSec)),
      p50: spread(mine.map((s) => s.p50)),
      p99: spread(mine.map((s) => s.p99)),
      errors: mine.reduce((sum, s) => sum + s.errors, 0),
      loadCores: spread(mine.map((s) => s.loadCpuMs / s.wallMs)).median,
      serverCores: spread(mine.map((s) => s.serverCpuMs / s.wallMs)).median,
      ...(mine.every((s) => s.machineCpuMs !== undefined)
        ? { otherCores: Math.max(0, spread(mine.map((s) => ((s.machineCpuMs ?? 0) - s.loadCpuMs - s.serverCpuMs) / s.wallMs)).median) }
        : {}),
      reqPerCpuSecond: spread(mine.map((s) => (s.completed * 1000) / Math.max(s.serverCpuMs, 1))).median,
    };
  });
  const ratios = [...new Set(samples.map((s) => s.rep))].flatMap((rep) => {
    const single = samples.find((s) => s.rep === rep && s.workers === 1);
    const cluster = samples.find((s) => s.rep === rep && s.workers === cores);
    return single && cluster && single.reqPerSec > 0 ? [cluster.reqPerSec / single.reqPerSec] : [];
  });
  return { cores, ratio: spread(ratios), goal: 0.85 * cores, summaries };
}

const num = (v: number, w: number, digits = 0): string => v.toFixed(digits).padStart(w);
const range = (s: Spread, digits = 0): string => `${s.min.toFixed(digits)}–${s.max.toFixed(digits)}`;

export function table(v: Verdict): string {
  const lines = [
    'workers │ req/s median │ req/s range │ p50 ms │ p99 ms │ autocannon CPU │ server CPU │ other CPU │ req per server CPU·s',
    '────────┼──────────────┼─────────────┼────────┼────────┼────────────────┼────────────┼───────────┼─────────────────────',
  ];
  for (const s of v.summaries) {
    lines.push(
      `${num(s.workers, 7)} │ ${num(s.reqPerSec.median, 12)} │ ${range(s.reqPerSec).padStart(11)} │ ${num(s.p50.median, 6)} │ ${num(s.p99.median, 6)} │ ${num(s.loadCores, 8, 2)} cores │ ${num(s.serverCores, 4, 2)} cores │ ${s.otherCores === undefined ? '        –' : `${num(s.otherCores, 3, 2)} cores`} │ ${num(s.reqPerCpuSecond, 20)}`,
    );
  }
  return lines.join('\n');
}

export function terminalChart(v: Verdict): string {
  const width = 44;
  const single = v.summaries.find((s) => s.workers === 1)?.reqPerSec.median ?? 0;
  const ideal = single * v.cores;
  const max = Math.max(ideal, ...v.summaries.map((s) => s.reqPerSec.max), 1);
  const at = (x: number): number => Math.round((width * x) / max);
  const lines = [`req/s, median bar, ┤ ├ the range over repetitions, ┊ the ideal (${v.cores} × single)`];
  for (const s of v.summaries) {
    const cells = Array.from({ length: width + 1 }, (_, i): string => (i < at(s.reqPerSec.median) ? '█' : ' '));
    cells[at(ideal)] = cells[at(ideal)] === '█' ? '█' : '┊';
    for (let i = at(s.reqPerSec.min); i <= at(s.reqPerSec.max); i++) if (cells[i] === ' ') cells[i] = '─';
    if (cells[at(s.reqPerSec.min)] !== '█') cells[at(s.reqPerSec.min)] = '├';
    cells[at(s.reqPerSec.max)] = '┤';
    const bar = cells.join('');
    lines.push(`${String(s.workers).padStart(3)} workers │${s.workers === v.cores ? pc.green(bar) : s.workers === 1 ? pc.cyan(bar) : bar} ${Math.round(s.reqPerSec.median)}`);
  }
  return lines.join('\n');
}

/** Where the CPU went during the cluster runs, in one line. */
export function cpuLine(v: Verdict): string {
  const c = v.summaries.find((s) => s.workers === v.cores);
  if (!c) return '';
  const other = c.otherCores === undefined ? '' : `, other programs ${c.otherCores.toFixed(2)}`;
  return `CPU during the ${v.cores}-worker runs, in cores: server ${c.serverCores.toFixed(2)}, autocannon ${c.loadCores.toFixed(2)}${other} (of ${v.cores})`;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A self-contained SVG: req/s per worker count (median bar, each repetition a dot, the ideal dashed), and p99. */
export function svg(v: Verdict, samples: readonly Sample[], meta: string): string {
  const W = 760;
  const rowH = 46;
  const left = 120;
  const plotW = 520;
  const single = v.summaries.find((s) => s.workers === 1)?.reqPerSec.median ?? 0;
  const ideal = single * v.cores;
  const parts: string[] = [];
  let y = 88;
  const panel = (title: string, value: (s: Summary) => number, dots: (w: number) => number[], unit: string, idealAt?: number): void => {
    const max = Math.max(idealAt ?? 0, ...v.summaries.map(value), ...samples.map((s) => Math.max(...dots(s.workers))), 1) * 1.05;
    const x = (val: number): number => left + (plotW * val) / max;
    parts.push(`<text x="20" y="${y}" class="h">${esc(title)}</text>`);
    y += 14;
    const top = y;
    for (const s of v.summaries) {
      const color = s.workers === 1 ? '#4a90d9' : s.workers === v.cores ? '#2e9e5b' : '#999';
      parts.push(`<text x="${left - 10}" y="${y + 24}" text-anchor="end">${s.workers} worker${s.workers === 1 ? '' : 's'}</text>`);
      parts.push(`<rect x="${left}" y="${y + 8}" width="${(x(value(s)) - left).toFixed(1)}" height="24" fill="${color}" rx="3"/>`);
      for (const d of dots(s.workers)) parts.push(`<circle cx="${x(d).toFixed(1)}" cy="${y + 20}" r="3.5" fill="#222" fill-opacity="0.6"/>`);
      const end = Math.max(x(value(s)), ...dots(s.workers).map(x));
      parts.push(`<text x="${(end + 8).toFixed(1)}" y="${y + 25}">${Math.round(value(s))} ${unit}</text>`);
      y += rowH;
    }
    if (idealAt !== undefined) {
      parts.push(`<line x1="${x(idealAt).toFixed(1)}" y1="${top}" x2="${x(idealAt).toFixed(1)}" y2="${y}" stroke="#c0392b" stroke-dasharray="5,4"/>`);
      parts.push(`<text x="${x(idealAt).toFixed(1)}" y="${top - 2}" text-anchor="middle" class="s" fill="#c0392b">ideal: ${v.cores} × single</text>`);
    }
    y += 30;
  };
  panel('Requests per second (bar: median, dots: each repetition)', (s) => s.reqPerSec.median, (w) => samples.filter((s) => s.workers === w).map((s) => s.reqPerSec), 'req/s', ideal);
  panel('p99 latency (ms), shorter is better', (s) => s.p99.median, (w) => samples.filter((s) => s.workers === w).map((s) => s.p99), 'ms');
  const ok = v.ratio.median >= v.goal;
  const headline = `cluster ÷ single: ${v.ratio.median.toFixed(2)}× (range ${range(v.ratio, 2)}) on ${v.cores} cores — goal ≥ ${v.goal.toFixed(2)}×`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${y + 10}" viewBox="0 0 ${W} ${y + 10}" font-family="system-ui, sans-serif" font-size="13">`,
    '<style>.h{font-weight:600;font-size:14px}.s{font-size:11px}</style>',
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="20" y="26" font-size="16" font-weight="600" fill="${ok ? '#2e9e5b' : '#b9770e'}">${esc(headline)}</text>`,
    `<text x="20" y="46" class="s" fill="#555">${esc(meta)}</text>`,
    `<text x="20" y="64" class="s" fill="#555">${esc(cpuLine(v))}</text>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
