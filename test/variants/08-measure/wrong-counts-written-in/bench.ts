// wrong: the worker counts written in for a 2-core machine ([1, 2, 4], as the starter's comment shows
// for 2 cores), not read from availableParallelism(): the check's bench sees 1 core.
// fails: it starts the server with WORKERS
// Lesson 08 — measure it. Start server.ts with 1, 2, … cores and 2 × cores workers, load each one
// with autocannon on the CPU-bound route, and print requests/s and latency as a table and bar charts.
// Run it:  node lessons/08-measure/bench.ts      (about 20 s on 2 cores; Node 22.18+, 24, 26)
//          node --import tsx lessons/08-measure/bench.ts      (Node 20)
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5); // measured load per worker count
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
const N = Number(process.env.BENCH_N ?? 25); // fib(25): about 1 ms of CPU per request
const OUT = process.env.BENCH_OUT; // where to write the JSON result, if set
// Don't change this line: the check starts its own, counting server here.
const SERVER = process.env.BENCH_SERVER ?? fileURLToPath(new URL('./server.ts', import.meta.url));

interface Row {
  readonly workers: number;
  readonly sent: number;
  readonly completed: number;
  readonly reqPerSec: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
}

function workerCounts(): number[] {
  return [1, 2, 4]; // 1, 2, … cores, 2 × cores (on 2 cores: 1, 2, 4)
}

function load(port: number, seconds: number): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(
      { url: `http://127.0.0.1:${port}/work?n=${N}`, connections: CONNECTIONS, duration: seconds },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
  });
}

function toRow(workers: number, r: autocannon.Result): Row {
  const { sent, total } = r.requests;
  const { p50, p99 } = r.latency;
  return { workers, sent, completed: total, reqPerSec: total / r.duration, p50, p99, errors: r.errors + r.non2xx };
}

// ── Nothing to change below: start and stop the server, print, write the JSON. ──

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer().on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** The pid of the worker that answers a request on a new connection, or undefined if none answered. */
function pidOnNewConnection(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    // agent: false and connection: close: a kept-alive connection would stay on one worker.
    const req = http.get({ host: '127.0.0.1', port, path: '/work?n=1', agent: false, headers: { connection: 'close' }, timeout: 1000 }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => {
        try {
          const pid: unknown = (JSON.parse(body) as { pid?: unknown }).pid;
          resolve(typeof pid === 'number' ? pid : undefined);
        } catch {
          resolve(undefined);
        }
      });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
}

/** Start the server with `workers` workers; resolves once every worker has answered once. */
async function startServer(workers: number): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, [...process.execArgv, SERVER], {
    env: { ...process.env, PORT: String(port), WORKERS: String(workers) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  // The first answer comes from the first worker up: wait until each worker has answered, so that
  // every run measures all of its workers. The primary hands new connections out in turn.
  const seen = new Set<number>();
  const deadline = Date.now() + 60_000; // minutes would mean something is wrong; a busy machine takes seconds
  while (seen.size < workers) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the server with ${workers} workers did not start (${seen.size} answered):\n${errors}`);
    }
    const pid = await pidOnNewConnection(port);
    if (pid === undefined) await sleep(50);
    else seen.add(pid);
  }
  return { port, child };
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM'); // the primary; its workers leave when their channel to it closes
  await exited;
}

const cell = (v: number, w: number): string => String(Math.round(v)).padStart(w);

function printTable(rows: readonly Row[]): void {
  const single = rows.find((r) => r.workers === 1)?.reqPerSec ?? 0;
  console.log(`\nfib(${N}), ${CONNECTIONS} connections, ${SECONDS} s each, ${availableParallelism()} cores\n`);
  console.log('workers │   req/s │ × 1 worker │ p50 ms │ p99 ms │ requests │ errors');
  console.log('────────┼─────────┼────────────┼────────┼────────┼──────────┼───────');
  for (const r of rows) {
    const ratio = single > 0 ? (r.reqPerSec / single).toFixed(2).padStart(10) : '         –';
    console.log(`${cell(r.workers, 7)} │ ${cell(r.reqPerSec, 7)} │ ${ratio} │ ${cell(r.p50, 6)} │ ${cell(r.p99, 6)} │ ${cell(r.completed, 8)} │ ${cell(r.errors, 6)}`);
  }
}

function printChart(title: string, rows: readonly Row[], value: (r: Row) => number, unit: string): void {
  const max = Math.max(...rows.map(value), 1);
  console.log(`\n${title}`);
  for (const r of rows) {
    const bar = '█'.repeat(Math.round((40 * value(r)) / max));
    console.log(`${cell(r.workers, 3)} │${bar.padEnd(40)} ${Math.round(value(r))} ${unit}`);
  }
}

const rows: Row[] = [];
for (const workers of workerCounts()) {
  process.stdout.write(`WORKERS=${workers}: starting… `);
  const server = await startServer(workers);
  try {
    rows.push(toRow(workers, await load(server.port, SECONDS)));
  } finally {
    await stopServer(server.child);
  }
  console.log(`${Math.round(rows.at(-1)?.reqPerSec ?? 0)} req/s`);
}

printTable(rows);
printChart('requests per second (longer is better)', rows, (r) => r.reqPerSec, 'req/s');
printChart('p99 latency (shorter is better)', rows, (r) => r.p99, 'ms');
if (OUT) {
  const result = { cores: availableParallelism(), seconds: SECONDS, n: N, connections: CONNECTIONS, runs: rows };
  writeFileSync(OUT, JSON.stringify(result, null, 2) + '\n');
  console.log(`\nwrote ${OUT}`);
}
