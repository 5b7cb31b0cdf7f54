// right, differently: the primary runs a separate worker file (cluster.setupPrimary), counts
// unstable deaths from worker 'listening' events, and keeps its own set of live workers
// (cluster.workers forgets a worker as soon as disconnect() is called on it).
import cluster from 'node:cluster';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

cluster.setupPrimary({ exec: fileURLToPath(new URL('./worker.ts', import.meta.url)) });

const raw = process.env.WORKERS;
const count = raw === undefined || raw === '' ? os.availableParallelism() : Number(raw);
if (!Number.isInteger(count) || count < 1) {
  console.error(`WORKERS must be a positive whole number, got "${raw}"`);
  process.exit(1);
}

const listeningAt = new Map<number, number>(); // by worker id
let crashes = 0;
let shuttingDown = false;
let gaveUp = false;
let pending = 0; // forks waiting out their back-off

const live = new Set<number>(); // worker ids, from 'fork' to 'exit'
cluster.on('fork', (worker) => live.add(worker.id));
const liveWorkers = (): number => live.size;

function startOne(): void {
  pending--;
  if (shuttingDown || gaveUp) return maybeExit();
  cluster.fork();
}

function maybeExit(): void {
  if (liveWorkers() > 0 || pending > 0) return;
  if (shuttingDown) process.exit(0);
  if (gaveUp) {
    console.error(`${crashes} workers crashed on start in a row, not restarting them`);
    process.exit(1);
  }
}

cluster.on('listening', (worker) => listeningAt.set(worker.id, Date.now()));
cluster.on('exit', (worker, code, signal) => {
  const served = Date.now() - (listeningAt.get(worker.id) ?? Date.now());
  listeningAt.delete(worker.id);
  live.delete(worker.id);
  console.log(`worker ${worker.process.pid} ${signal ? `killed by ${signal}` : `exited with code ${code}`}`);
  if (!worker.exitedAfterDisconnect && !shuttingDown && !gaveUp) {
    crashes = served < 1000 ? crashes + 1 : 0;
    if (crashes >= 5) gaveUp = true;
    else {
      pending++;
      setTimeout(startOne, 100 * crashes);
    }
  }
  maybeExit();
});

process.on('SIGTERM', () => {
  shuttingDown = true;
  for (const worker of Object.values(cluster.workers ?? {})) worker?.disconnect();
  maybeExit();
});

for (let i = 0; i < count; i++) cluster.fork();
