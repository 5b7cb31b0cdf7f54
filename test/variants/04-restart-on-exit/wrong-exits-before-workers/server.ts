// wrong: counts its live workers in cluster.workers, which forgets a worker the moment disconnect()
// is called on it: on SIGTERM the list is empty at once and the primary exits while its workers
// still finish their requests (long kept here as a right program: the check did not look).
// fails: exits with code 0 once its workers are gone
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

const liveWorkers = (): number => Object.values(cluster.workers ?? {}).filter((w) => w && !w.isDead()).length;

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
  console.log(`worker ${worker.process.pid} ${signal ? `killed by ${signal}` : `exited with code ${code}`}`);
  if (!worker.exitedAfterDisconnect && !shuttingDown && !gaveUp) {
    crashes = served < 1000 ? crashes + 1 : 0;
    if (crashes >= 5) gaveUp = true;
    else {
      pending++;
      setTimeout(startOne, 100 * crashes);
    }
  }
  setImmediate(maybeExit); // cluster.workers drops the dead worker once its IPC channel has closed too
});

process.on('SIGTERM', () => {
  shuttingDown = true;
  for (const worker of Object.values(cluster.workers ?? {})) worker?.disconnect();
  maybeExit();
});

for (let i = 0; i < count; i++) cluster.fork();
