// The measurement behind `npm run bench`: start one cluster per worker count, warm each up, then
// load them in turn, interleaved over several repetitions (a burst of noise from elsewhere then
// hits every worker count, not one), counting the CPU that autocannon and the servers burn.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import autocannon from 'autocannon';
import { freePort, listProcesses, request, sleep } from '../../checks/lib/index.ts';
import { Program } from '../../checks/lib/program.ts';

export interface BenchOptions {
  readonly server: string;
  readonly workerCounts: readonly number[];
  readonly seconds: number;
  readonly warmup: number;
  readonly reps: number;
  readonly connections: number;
  readonly n: number;
}

export interface Sample {
  readonly workers: number;
  readonly rep: number;
  readonly reqPerSec: number;
  readonly completed: number;
  readonly errors: number;
  readonly p50: number;
  readonly p99: number;
  readonly wallMs: number;
  /** CPU time autocannon (this process) burned during the run. */
  readonly loadCpuMs: number;
  /** CPU time the server (primary + workers) burned during the run. */
  readonly serverCpuMs: number;
  /** CPU time the whole machine was busy during the run (all processes; Linux only, else undefined). */
  readonly machineCpuMs?: number;
}

export type Progress = { readonly done: number; readonly total: number; readonly label: string };

interface Server {
  readonly workers: number;
  readonly port: number;
  /** Its own process group (so stopping it ends the workers too, and its CPU time can be summed). */
  readonly program: Program;
}

async function startServer(server: string, workers: number): Promise<Server> {
  const port = await freePort();
  const program = new Program({ dir: process.cwd(), entry: server, env: { ...process.env, PORT: String(port), WORKERS: String(workers) } });
  try {
    const seen = new Set<number>();
    const deadline = Date.now() + 60_000; // a machine busy with other work can take that long
    while (seen.size < workers) {
      if (program.exit) throw new Error(`${server} with WORKERS=${workers} exited with code ${program.exit.code}:\n${program.output}`);
      if (Date.now() > deadline) throw new Error(`${server} with WORKERS=${workers}: ${seen.size} of ${workers} workers answered within 60 s:\n${program.output}`);
      try {
        const reply = await request(port, '/', { timeoutMs: 1000 });
        const pid = (reply.json as { pid?: unknown } | undefined)?.pid;
        if (typeof pid === 'number') seen.add(pid);
      } catch {
        await sleep(100);
      }
    }
  } catch (err) {
    await program.stop();
    throw err;
  }
  return { workers, port, program };
}

/** TERM the whole group, KILL what is left after 3 s, and wait until none of it is left. */
function stopServer(s: Server): Promise<void> {
  return s.program.stop(3000);
}

function groupCpuMs(pgid: number): number {
  return listProcesses()
    .filter((p) => p.pgid === pgid)
    .reduce((sum, p) => sum + p.cpuMs, 0);
}

/** Busy and total CPU ticks of the whole machine so far (the first line of /proc/stat), if there is one. */
function machineTicks(): { busy: number; total: number } | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]?.trim().split(/\s+/).slice(1, 9).map(Number) ?? [];
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
    const busy = user + nice + system + irq + softirq + steal;
    return { busy, total: busy + idle + iowait };
  } catch {
    return undefined;
  }
}

/**
 * CPU time the machine was busy between two readings, in ms. Computed as a share of `cores` × wall
 * time: the tick rate of /proc/stat is not always what it says (containers, VMs).
 */
function machineBusyMs(before: ReturnType<typeof machineTicks>, after: ReturnType<typeof machineTicks>, wallMs: number, cores: number): number | undefined {
  if (!before || !after || after.total <= before.total) return undefined;
  return ((after.busy - before.busy) / (after.total - before.total)) * cores * wallMs;
}

function cannon(port: number, opts: BenchOptions, seconds: number): Promise<autocannon.Result> {
  return autocannon({ url: `http://127.0.0.1:${port}/work?n=${opts.n}`, connections: opts.connections, duration: seconds });
}

/** Run the whole measurement; `onProgress` is called as it goes, with the step in words. */
export async function measure(opts: BenchOptions, onProgress: (p: Progress) => void = () => {}): Promise<Sample[]> {
  const counts = opts.workerCounts;
  // Progress in units of seconds of load: starting a server counts as one.
  const total = counts.length * (1 + opts.warmup) + opts.reps * counts.length * opts.seconds;
  let done = 0;
  const tick = (label: string, add = 0): void => {
    done += add;
    onProgress({ done, total, label });
  };
  const servers: Server[] = [];
  const samples: Sample[] = [];
  try {
    for (const workers of counts) {
      tick(`starting WORKERS=${workers}`);
      servers.push(await startServer(opts.server, workers));
      tick(`started WORKERS=${workers}`, 1);
    }
    if (opts.warmup > 0) {
      for (const s of servers) {
        tick(`warming up WORKERS=${s.workers}`);
        await cannon(s.port, opts, opts.warmup);
        tick(`warmed up WORKERS=${s.workers}`, opts.warmup);
      }
    }
    for (let rep = 1; rep <= opts.reps; rep++) {
      // Rotate the order each repetition, so no worker count always runs right after the same one.
      const order = servers.map((_, i) => servers[(i + rep - 1) % servers.length] as Server);
      for (const s of order) {
        const label = `rep ${rep}/${opts.reps} · WORKERS=${s.workers}`;
        const pgid = s.program.pid;
        const serverBefore = groupCpuMs(pgid);
        const machineBefore = machineTicks();
        const loadBefore = process.cpuUsage();
        const started = performance.now();
        const ticker = setInterval(() => onProgress({ done: Math.min(done + (performance.now() - started) / 1000, done + opts.seconds), total, label }), 200);
        const r = await cannon(s.port, opts, opts.seconds);
        const wallMs = performance.now() - started;
        const load = process.cpuUsage(loadBefore);
        const serverCpuMs = groupCpuMs(pgid) - serverBefore;
        const machineCpuMs = machineBusyMs(machineBefore, machineTicks(), wallMs, availableParallelism());
        clearInterval(ticker);
        samples.push({
          workers: s.workers,
          rep,
          reqPerSec: r.requests.total / r.duration,
          completed: r.requests.total,
          errors: r.errors + r.non2xx,
          p50: r.latency.p50,
          p99: r.latency.p99,
          wallMs,
          loadCpuMs: (load.user + load.system) / 1000,
          serverCpuMs,
          ...(machineCpuMs === undefined ? {} : { machineCpuMs }),
        });
        tick(label, opts.seconds);
      }
    }
  } finally {
    await Promise.all(servers.map(stopServer));
  }
  return samples;
}
