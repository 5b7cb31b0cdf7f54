// The course, in order: the single source of truth for lesson ids, titles, hints and what a lesson
// needs. Pure data: where a lesson's files are follows from its id (scripts/workshop.ts says where),
// and `npm test` checks every folder, README title and the root README's table against this list.

export interface Lesson {
  /** `NN-slug`: the folder name under lessons/ and solutions/, and the check's file name. */
  readonly id: string;
  readonly title: string;
  /** One line: what the learner builds. */
  readonly summary: string;
  /** Socratic nudges, shown one by one on request (`npm run hint`). */
  readonly hints: readonly string[];
  /** The lesson whose solution `npm run bench` measures, and whose page shows the chart. One lesson at most. */
  readonly bench?: true;
  /** Programs from the learner's system that the check starts (the README's "Start" names them). */
  readonly needs?: readonly string[];
}

export const lessons: readonly Lesson[] = [
  {
    id: '01-single-thread',
    title: 'One process, one core',
    summary: 'An Express server with a CPU-bound route, and why it serves one request at a time.',
    hints: [
      'fib(n) is fib(n - 1) + fib(n - 2), with fib(0) = 0 and fib(1) = 1. Write it recursively, without a cache: the slowness is the point.',
      'Read n with Number(req.query.n). What should happen when it is missing or not a number?',
      'Answer with res.json({ pid: process.pid, n, result }).',
    ],
  },
  {
    id: '02-cluster-fork',
    title: 'cluster.fork(): two workers, one port',
    summary: 'Turn the server into a primary that forks two workers which serve it.',
    hints: [
      'The same file runs in the primary and in every worker. What does cluster.isPrimary tell you in each?',
      'In the primary call cluster.fork() twice and do nothing else; in the else branch start the Express app.',
      'The primary must not call app.listen(): it only hands connections to the workers.',
      'Each worker runs the whole file again, from the top: is everything that should happen only once guarded by cluster.isPrimary?',
    ],
  },
  {
    id: '03-cpu-count',
    title: 'One worker per core',
    summary: 'Fork as many workers as the machine has cores, overridable with WORKERS.',
    hints: [
      'os.availableParallelism() is the number of cores this process may use. How many times does the primary call cluster.fork() now?',
      'Read process.env.WORKERS in the primary. Unset and "" both mean the default: what do Number("") and "" ?? 4 give?',
      'Number("1.5") is 1.5, parseInt("1.5") is 1: which one lets you refuse it? Number.isInteger(count) && count >= 1 describes a good value.',
      'Refuse a bad value before forking anything: console.error a message that names WORKERS, then process.exit(1).',
    ],
  },
  {
    id: '04-restart-on-exit',
    title: 'Replace workers that die',
    summary: 'The primary replaces crashed workers, lets planned exits go, and stops a crash loop.',
    hints: [
      "GET /crash can answer first and crash right after: what happens to an error thrown inside setImmediate(), where Express can't catch it?",
      "cluster.on('exit', (worker, code, signal) => …) runs for every death. Which of code and signal is set when a worker was killed with SIGKILL?",
      'worker.disconnect() marks the worker: worker.exitedAfterDisconnect is true in its exit listener. The primary\'s worker.kill() does not (since Node 18 it is a plain signal). What should the primary do then?',
      'On SIGTERM: set a flag, disconnect every worker in Object.values(cluster.workers ?? {}), and call process.exit(0) from the exit listener when none is left — or at once when none is alive. A retry you scheduled earlier must fork nothing once the flag is set.',
      "Remember Date.now() in cluster.on('listening'). A worker that died before that, or less than 1000 ms after, is unstable; a stable death sets the count back to 0.",
      'After 5 unstable deaths in a row (not fewer) fork no more; before each new try wait longer than the last time, at least 50 ms more: setTimeout(fork, 100 * unstable) waits 100, 200, 300 ms. When no worker is left, console.error why and process.exit(1).',
      "WORKERS as in lesson 03: refuse anything that is not a whole number of at least 1 before you fork — Number(raw) || default lets 0 and 'abc' through.",
    ],
  },
  {
    id: '05-messaging',
    title: 'Primary and workers talk',
    summary: 'Workers report every request to the primary; the primary keeps the total and broadcasts.',
    hints: [
      'Ask /stats a few times with curl: why does each worker give a different number? Where is the one place every worker can reach?',
      "In a worker's GET /, process.send({ type: 'served' }) tells the primary. In the primary, cluster.on('message', (worker, message) => …): the worker comes first.",
      'To reach every worker, loop over Object.values(cluster.workers ?? {}) and call worker?.send(…). cluster.workers is an object, not an array.',
      'POST /broadcast should not set the message in the worker that got it: tell the primary, and let the primary send it to everyone, this worker included.',
      "Before any broadcast, GET /message must answer {\"message\": null}: res.json leaves out keys whose value is undefined.",
    ],
  },
  {
    id: '06-pm2',
    title: 'Let pm2 run the cluster',
    summary: 'A plain server, an ecosystem file, pm2 cluster mode and a zero-downtime reload.',
    hints: [
      'pm2 said "Script not found"? Which folder does pm2 resolve a relative script from? __dirname is the folder of the ecosystem file itself.',
      'pm2 refuses the .ts file? That happens on Node 20 only: Node 22.18+ runs .ts natively, and pm2 7 with it. On Node 20, what if Node itself runs it, with tsx loaded first? Look at the interpreter and node_args settings.',
      'pm2 list says fork? Cluster mode needs exec_mode \'cluster\', or instances with the node interpreter (what pm2 picks for a .ts on Node 22.18+); interpreter \'tsx\' without exec_mode means fork mode. instances: \'max\' gives one per core.',
      'What does Node do on SIGINT when nothing handles it? Keep what app.listen() returns, then on SIGINT: server.close() (since Node 19 it also ends idle keep-alive sockets), and setTimeout(() => process.exit(0), 500).',
      'Why wait before exiting? The primary may have sent this instance a connection just before it learned of the close. Alive, the instance bounces it back (accepted: false) and the primary gives it to another instance; exited, nobody answers and that client hangs.',
    ],
  },
  {
    id: '07-graceful-shutdown',
    title: 'Graceful shutdown and rolling restart',
    summary: 'Drain workers on SIGTERM and replace them one by one on SIGHUP without dropping a request.',
    hints: [
      'Without a handler, SIGHUP and SIGTERM end the primary at once, and its workers exit with it. Which process.on(…) calls does the primary need?',
      'worker.disconnect() takes the worker out of the rotation, closes its server, lets its requests finish, and the worker exits 0 by itself. What if a client never lets go? Keep a 5 s timer that SIGKILLs worker.process.',
      'A worker sent SIGTERM itself (kill <pid>, or your primary\'s worker.kill(), which since Node 18 only sends SIGTERM) dies mid-request unless it handles it: process.on(\'SIGTERM\', () => cluster.worker?.disconnect()). Why not server.close(() => process.exit(0))? Think of a connection already on its way to it.',
      'A rolling restart: for each old worker, fork its successor, await its \'listening\' event, then await the old one\'s \'exit\'. Why must the new one listen before the old one leaves?',
      'Does your cluster.on(\'exit\') handler fork a replacement for a worker you disconnected yourself? worker.exitedAfterDisconnect tells the two apart.',
      'On SIGTERM, call process.exit(0) only after every worker\'s \'exit\' event: Promise.all over stopWorker(w).',
    ],
  },
  {
    id: '08-measure',
    title: 'Measure it',
    bench: true,
    summary: 'A benchmark with autocannon: requests per second and latency for 1, 2, … workers.',
    hints: [
      'workerCounts(): Array.from({ length: cores }, (_, i) => i + 1) gives 1 … cores. What comes after it?',
      'autocannon({ url, connections, duration }) returns a promise of the result when you pass no callback. Which route keeps a CPU busy?',
      'In the result, requests.sent and requests.total count requests; result.duration is in seconds; latency.p50 and latency.p99 are in ms. Why requests.total / result.duration, and not requests.average?',
      'errors: result.errors counts connections that failed or timed out. Where does a 503 answer go? Add result.non2xx.',
      'Every setting comes from the environment: the check runs with BENCH_SECONDS=2, BENCH_N=24 and BENCH_CONNECTIONS=6, and its server sees how long, on which route and over how many connections you load it. Is any of them written into your code?',
      'The check compares "completed" with what its server answered: completed is requests.total (answers received), sent is requests.sent.',
    ],
  },
  {
    id: '09-beyond-one-machine',
    title: 'Beyond one machine',
    needs: ['nginx', 'redis-server'],
    summary: 'Several hosts behind nginx, with the shared state in Redis.',
    hints: [
      'Two primaries on two hosts share no memory and no IPC channel. What do all the workers of both hosts share? Look at REDIS_URL.',
      'Read the total, add one, write it back: what happens when two workers do that at the same moment? Which one Redis command does all three steps at once? (await redis.incr(TOTAL_KEY))',
      'A connection that subscribes can only listen. Make a second one with redis.duplicate(), connect it, and subscribe before app.listen(): why before?',
      'In nginx.conf, what should happen to a GET that nginx sends to a host that just died? nginx\'s default is proxy_next_upstream error timeout; the starter turned it off.',
      'Does GET / answer before its INCR is done? The check pauses Redis: await redis.incr(TOTAL_KEY) first, then res.json(…).',
      'server {{HOST_B}} max_fails=1 fail_timeout=5s; — how many requests does nginx then spend on a dead host in five seconds, and how many with max_fails=0?',
    ],
  },
  {
    id: '10-threads',
    title: 'Threads or processes?',
    summary: 'One process, one pid: /work computed on a pool of worker threads while the main thread keeps answering.',
    hints: [
      'Which thread runs fib now? While it computes, who answers GET /? What could run it instead, in this same process?',
      'new Worker(file) starts a thread with its own event loop. How does the main thread hand it n, and how does the result come back? (postMessage, and the \'message\' event)',
      'A Worker per request: how many threads do ten concurrent requests make? Start THREADS threads once, keep the idle ones, and queue a request when none is idle.',
      "What happens to the process when a thread throws and no one listens for the Worker's 'error' event? What should happen to the request that thread was running, and to the pool's size?",
      'THREADS is read like WORKERS in lesson 03: unset or empty means os.availableParallelism(); Number.isInteger(size) && size >= 1, else console.error a message naming THREADS and process.exit(1).',
    ],
  },
  {
    id: '11-websockets',
    title: 'WebSockets in a cluster',
    summary: 'Socket.IO on every worker: sticky sessions, and a broadcast that reaches the clients of every worker.',
    hints: [
      'Run the starter and connect: "Session ID unknown", 400. The polling requests of one session arrive on new connections, and the primary deals connections out in turn. Which worker knows the session, and which one got the request?',
      "Who should pick the worker for a request: the cluster's round-robin, or something that reads the sid in the query string? In the primary: const httpServer = http.createServer(); setupMaster(httpServer); httpServer.listen(port, '127.0.0.1'). In the workers: setupWorker(io), and no listen().",
      "setupMaster sends the first bytes of each connection to the worker as a Buffer. What does the default JSON IPC channel make of a Buffer? cluster.setupPrimary({ serialization: 'advanced' }) before the first fork.",
      'A client on worker A says something; io.emit reaches the clients of A only. Who could carry it to B? io.adapter(createAdapter()) in each worker, setupPrimary() from @socket.io/cluster-adapter in the primary.',
      "Every client, the sender included, hears said once: io.emit, not socket.emit (the sender only) nor socket.broadcast.emit (everyone but the sender).",
      "The check kills a worker with SIGKILL: cluster.on('exit', () => cluster.fork()) brings its replacement, and socket.io-client reconnects by itself.",
    ],
  },
];

/** A lesson by what a learner types: `3`, `03`, `03-cpu-count`. */
export function findLesson(ref: string): Lesson | undefined {
  const number = /^\d+$/.test(ref) ? Number(ref) : undefined;
  return lessons.find((l) => l.id === ref || (number !== undefined && Number(l.id.slice(0, 2)) === number));
}
