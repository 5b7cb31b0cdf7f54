// right, differently: server.ts is only ever the primary, the workers run worker.ts
// (cluster.setupPrimary); `|| undefined` treats an empty WORKERS as unset; exit code 64.
import cluster from 'node:cluster';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

const raw = process.env.WORKERS || undefined;
const count = raw === undefined ? os.availableParallelism() : Number(raw);
if (!Number.isInteger(count) || count < 1) {
  process.stderr.write(`cannot start: WORKERS should be 1, 2, 3…, not "${raw}"\n`);
  process.exit(64);
}
cluster.setupPrimary({ exec: fileURLToPath(new URL('./worker.ts', import.meta.url)) });
for (let i = 0; i < count; i++) cluster.fork();
