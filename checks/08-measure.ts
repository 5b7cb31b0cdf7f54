// Lesson 08: the learner's bench.ts loads a server with 1, 2, … cores and 2 × cores workers using
// autocannon. The check does not trust the numbers it prints: it points BENCH_SERVER at a server of
// its own that writes down what it served, runs the bench with 1 s per worker count, and compares.
// Nothing here asserts a speed: only that the measurement happened and is reported faithfully.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineCheck, Fatal, isAlive, pidOf, unmet } from './lib/index.ts';

const cores = availableParallelism();
const counts = [...Array.from({ length: cores }, (_, i) => i + 1), 2 * cores];
const SECONDS = 1;
const N = 25;
// A server start is about 1 s here, plus 1 s of load each; a machine busy with other work may take
// ten times as long, and a bound only matters for a bench that hangs.
const BENCH_BOUND_MS = 30_000 + counts.length * 25_000;
const countingServer = fileURLToPath(new URL('./fixtures/counting-server.ts', import.meta.url));

interface Run {
  workers: number;
  sent: number;
  completed: number;
  reqPerSec: number;
  p50: number;
  p99: number;
  errors: number;
}

const FIELDS = ['workers', 'sent', 'completed', 'reqPerSec', 'p50', 'p99', 'errors'] as const;

function parseRuns(text: string): Run[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    unmet('JSON in BENCH_OUT', `it is not JSON: ${(err as Error).message}`);
  }
  const runs = typeof data === 'object' && data !== null && 'runs' in data ? (data as { runs: unknown }).runs : undefined;
  if (!Array.isArray(runs)) unmet('an object with a "runs" array', text.slice(0, 300));
  return runs.map((run: unknown, i) => {
    const bad = FIELDS.filter((f) => typeof run !== 'object' || run === null || typeof (run as Record<string, unknown>)[f] !== 'number' || !Number.isFinite((run as Record<string, number>)[f]));
    if (bad.length > 0) unmet(`runs[${i}] with the numbers ${FIELDS.join(', ')}`, `runs[${i}] = ${JSON.stringify(run)} (missing or not a number: ${bad.join(', ')})`);
    return run as Run;
  });
}

/** What the counting server wrote: for each server started, its WORKERS and the /work answers it sent. */
function servers(dir: string): { primary: number; workers: number; served: number; workerPids: number[] }[] {
  const files = readdirSync(dir);
  return files
    .filter((f) => /^primary-\d+\.json$/.test(f))
    .map((f) => {
      const primary = Number(/\d+/.exec(f)?.[0]);
      const { workers } = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { workers: number };
      let served = 0;
      const workerPids: number[] = [];
      for (const g of files) {
        const m = new RegExp(`^served-${primary}-(\\d+)\\.json$`).exec(g);
        if (!m) continue;
        workerPids.push(Number(m[1]));
        served += (JSON.parse(readFileSync(join(dir, g), 'utf8')) as { served: number }).served;
      }
      return { primary, workers, served, workerPids };
    });
}

export default defineCheck({
  timeoutMs: BENCH_BOUND_MS + 40_000,
  async run(t) {
    const app = await t.start({ env: { WORKERS: '2' }, readyMs: 30_000 });
    await t.expect(`server.ts answers GET /work?n=${N}`, 'server.ts is given: restore it from git if it was changed.', async () => {
      const reply = await app.get(`/work?n=${N}`, 10_000);
      if (reply.status !== 200 || pidOf(reply) === undefined) unmet('status 200 and JSON with "pid"', `status ${reply.status}: ${reply.body.slice(0, 200)}`);
    });
    await app.program.stop(); // it would only take CPU from the measurement

    const work = mkdtempSync(join(tmpdir(), 'bench-check-'));
    const out = join(work, 'result.json');
    t.defer(() => {
      // A bench that died may leave servers behind that are not in its process group.
      for (const s of servers(work)) for (const pid of [s.primary, ...s.workerPids]) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
      rmSync(work, { recursive: true, force: true });
    });

    const env = { BENCH_SECONDS: String(SECONDS), BENCH_WARMUP: '0', BENCH_CONNECTIONS: '8', BENCH_N: String(N), BENCH_OUT: out, BENCH_SERVER: countingServer, COUNT_DIR: work };
    const bench = await t.spawn({ entry: 'bench.ts', env });

    await t.expect(`bench.ts runs to the end and exits 0 (BENCH_SECONDS=${SECONDS}, within ${BENCH_BOUND_MS / 1000} s)`, 'Run it yourself: BENCH_SECONDS=1 node --import tsx bench.ts', async () => {
      const exit = await Promise.race([bench.exited, new Promise<undefined>((r) => setTimeout(r, BENCH_BOUND_MS))]);
      if (!exit) throw new Fatal(`still running after ${BENCH_BOUND_MS / 1000} s. Its last output:`, bench.tail());
      if (exit.code !== 0) throw new Fatal(`it ${exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`}. Its last output:`, bench.tail(12));
    });

    const started = servers(work);
    await t.expect(`it starts the server with WORKERS = ${counts.join(', ')} (1 … cores, then 2 × cores), once each`, 'workerCounts() returns 1, 2, … availableParallelism(), then 2 × availableParallelism().', async () => {
      const seen = started.map((s) => s.workers).sort((a, b) => a - b);
      if (seen.join(',') !== counts.join(',')) unmet(`servers with ${counts.join(', ')} workers`, seen.length === 0 ? 'no server was started with BENCH_SERVER' : `servers with ${seen.join(', ')} workers`);
    });

    const runs = await t.expect('BENCH_OUT holds a run for every worker count', 'Keep the JSON writing at the end of bench.ts; toRow() fills each run.', async () => {
      let text: string;
      try {
        text = readFileSync(out, 'utf8');
      } catch {
        return unmet(`a JSON file at BENCH_OUT`, 'nothing was written there');
      }
      const parsed = parseRuns(text);
      const seen = parsed.map((r) => r.workers).sort((a, b) => a - b);
      if (seen.join(',') !== counts.join(',')) unmet(`runs for ${counts.join(', ')} workers`, `runs for ${seen.join(', ') || 'none'}`);
      return parsed;
    });
    if (!runs) return;

    await t.expect(`the request counts match what the server answered (GET /work?n=${N})`, `Load http://127.0.0.1:PORT/work?n=\${N} with autocannon; "completed" is result.requests.total, "sent" is result.requests.sent.`, async () => {
      const problems: string[] = [];
      for (const run of runs) {
        const served = started.filter((s) => s.workers === run.workers).reduce((sum, s) => sum + s.served, 0);
        const line = `${run.workers} workers: sent ${run.sent}, completed ${run.completed}; the server answered ${served}`;
        // Answers in flight when autocannon stops were served but not counted as completed: sent bounds them.
        if (run.completed <= 0 || served < 0.95 * run.completed - 3 || served > 1.05 * run.sent + 3 || run.sent < run.completed) problems.push(line);
      }
      if (problems.length > 0) unmet('completed ≤ what the server answered ≤ sent (5% slack), and more than 0', problems.join('\n'));
    });

    await t.expect('req/s is completed / seconds, and p50 ≤ p99 are latencies in ms', 'reqPerSec = result.requests.total / result.duration; p50 and p99 come from result.latency.', async () => {
      const problems: string[] = [];
      for (const run of runs) {
        const ratio = (run.reqPerSec * SECONDS) / Math.max(run.completed, 1);
        if (ratio < 0.5 || ratio > 2) problems.push(`${run.workers} workers: ${Math.round(run.reqPerSec)} req/s for ${run.completed} requests in ${SECONDS} s`);
        if (!(run.p50 >= 0 && run.p99 > 0 && run.p50 <= run.p99 && run.p99 < 60_000)) problems.push(`${run.workers} workers: p50 ${run.p50} ms, p99 ${run.p99} ms`);
      }
      if (problems.length > 0) unmet('numbers that fit together', problems.join('\n'));
    });

    await t.expect('the output shows a table row and two bars (req/s, p99) for every worker count', 'Keep printTable() and printChart() at the end of bench.ts.', async () => {
      const lines = bench.output.split('\n');
      const problems: string[] = [];
      const maxRps = Math.max(...runs.map((r) => r.reqPerSec), 1);
      const maxP99 = Math.max(...runs.map((r) => r.p99), 1);
      for (const run of runs) {
        const own = lines.filter((l) => new RegExp(`^\\s*${run.workers}\\s*│`).test(l));
        const row = own.find((l) => !l.includes('█') && l.includes(String(Math.round(run.reqPerSec))) && l.includes(String(Math.round(run.p99))));
        if (!row) problems.push(`no table row for ${run.workers} workers with ${Math.round(run.reqPerSec)} req/s and p99 ${Math.round(run.p99)} ms`);
        const bars = own.filter((l) => /│█*\s/.test(l) && !l.includes(' │ ')).map((l) => (l.match(/█/g) ?? []).length);
        const want = [Math.round((40 * run.reqPerSec) / maxRps), Math.round((40 * run.p99) / maxP99)];
        if (bars.length < 2 || Math.abs((bars[0] ?? 0) - want[0]!) > 1 || Math.abs((bars[1] ?? 0) - want[1]!) > 1) {
          problems.push(`${run.workers} workers: bars of ${bars.join(' and ') || 'nothing'} █, expected ${want.join(' and ')}`);
        }
      }
      if (problems.length > 0) unmet('one table row and two bars per worker count, bars scaled to 40 █ for the largest', problems.join('\n'));
    });
  },
});
