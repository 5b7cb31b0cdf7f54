// right, differently: the primary runs worker.ts (cluster.setupPrimary), with the structured-clone
// ('advanced') serialisation, and keeps the deprecated isMaster name that still works.
import cluster from 'node:cluster';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

cluster.setupPrimary({ exec: fileURLToPath(new URL('./worker.ts', import.meta.url)), serialization: 'advanced' });
if (cluster.isMaster) {
  const counts = new Map<string, number>([['total', 0]]);
  cluster.on('message', (_worker, m: Map<string, string>) => {
    const update = m.get('kind') === 'served' ? new Map([['total', String((counts.get('total') ?? 0) + 1)]]) : m;
    if (m.get('kind') === 'served') counts.set('total', (counts.get('total') ?? 0) + 1);
    for (const w of Object.values(cluster.workers ?? {})) w?.send(update);
  });
  const raw = process.env.WORKERS;
  for (let i = 0; i < (raw ? Number(raw) : os.availableParallelism()); i++) cluster.fork();
}
