// right, differently: plain node:http; a pool whose requests wait for a free slot (a promise
// queue), job ids on the messages, a thread that ends itself with process.exit() on /crash, and
// os.cpus().length as the default.
import { createServer, type ServerResponse } from 'node:http';
import os from 'node:os';
import { Worker } from 'node:worker_threads';

const env = process.env.THREADS;
const size = env === undefined || env === '' ? os.cpus().length : Number(env);
if (!(Number.isSafeInteger(size) && size > 0)) {
  console.log(`bad THREADS value: ${env}`);
  process.exit(1);
}

const file = new URL('./worker.ts', import.meta.url);
const startThread = (): Worker =>
  Reflect.get(process.features, 'typescript')
    ? new Worker(file)
    : new Worker(`import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(file.href)}); })`, { eval: true });

let nextId = 0;
const free: Worker[] = [];
const waiting: ((w: Worker) => void)[] = [];
const give = (w: Worker): void => {
  const next = waiting.shift();
  if (next) next(w);
  else free.push(w);
};
const take = (): Promise<Worker> => new Promise((resolve) => (free.length ? resolve(free.pop() as Worker) : waiting.push(resolve)));

function add(): void {
  const w = startThread();
  w.on('error', () => {}); // the task's own listener below reports it; this one keeps the process up
  w.once('exit', () => add());
  give(w);
}
for (let i = 0; i < size; i++) add();

async function run(n: number): Promise<number> {
  const w = await take();
  const id = nextId++;
  return new Promise<number>((resolve, reject) => {
    const onMessage = (m: { id: number; result: number }): void => {
      if (m.id !== id) return;
      w.off('exit', onExit);
      w.off('message', onMessage);
      give(w);
      resolve(m.result);
    };
    const onExit = (code: number): void => {
      w.off('message', onMessage);
      reject(new Error(`the thread ended with code ${code}`));
    };
    w.on('message', onMessage);
    w.once('exit', onExit);
    w.postMessage({ id, n });
  });
}

const send = (res: ServerResponse, status: number, body: object): void => {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ pid: process.pid, ...body }));
};

createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/') return send(res, 200, {});
  const n = url.pathname === '/crash' ? -1 : url.pathname === '/work' ? Number(url.searchParams.get('n') ?? 30) : NaN;
  if (Number.isNaN(n)) return send(res, 404, { error: 'not found' });
  try {
    send(res, 200, { n, result: await run(n) });
  } catch (error) {
    send(res, 500, { error: (error as Error).message });
  }
}).listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
