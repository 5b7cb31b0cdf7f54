// right, differently: the primary runs worker.ts via cluster.setupPrimary, waits for cluster-wide
// 'listening' events, and counts cores with os.cpus().length. A worker sent SIGTERM asks the
// primary to retire it, and the primary disconnects it.
import cluster, { type Worker } from 'node:cluster';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';

const workers = process.env.WORKERS ? Number(process.env.WORKERS) : cpus().length;
if (!Number.isInteger(workers) || workers <= 0) {
  console.error(`invalid WORKERS: ${process.env.WORKERS}`);
  process.exit(1);
}

cluster.setupPrimary({ exec: fileURLToPath(new URL('./worker.ts', import.meta.url)) });

const live = (): Worker[] => Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);

function listening(w: Worker): Promise<void> {
  return new Promise((resolve) => {
    const on = (who: Worker): void => {
      if (who !== w) return;
      cluster.off('listening', on);
      resolve();
    };
    cluster.on('listening', on);
  });
}

function gone(w: Worker): Promise<void> {
  if (w.isDead()) return Promise.resolve();
  const timer = setTimeout(() => w.process.kill('SIGKILL'), 3000);
  return new Promise<void>((resolve) => w.once('exit', () => resolve())).then(() => clearTimeout(timer));
}

cluster.on('message', (w, msg: unknown) => {
  if (typeof msg === 'object' && msg !== null && 'retire' in msg) w.disconnect();
});

let shuttingDown = false;
cluster.on('exit', (w) => {
  if (!shuttingDown && !w.exitedAfterDisconnect) cluster.fork();
});

// A worker disconnect() was called on leaves cluster.workers at once, while it still drains.
const draining = new Set<Worker>();
process.on('SIGHUP', async () => {
  for (const old of live()) {
    if (shuttingDown) break; // SIGTERM in the middle of a restart: fork nothing more
    await listening(cluster.fork());
    if (shuttingDown) break;
    draining.add(old);
    old.disconnect();
    await gone(old);
    draining.delete(old);
  }
});

process.on('SIGTERM', async () => {
  shuttingDown = true;
  const all = live();
  for (const w of all) w.disconnect();
  await Promise.all([...all, ...draining].map(gone));
  process.exit(0);
});

for (let i = 0; i < workers; i++) cluster.fork();
