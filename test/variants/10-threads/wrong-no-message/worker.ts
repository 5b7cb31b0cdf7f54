// Lesson 10 — the code every pool thread runs. It has its own event loop and its own V8 heap: it
// shares no variables with the main thread, only messages (copied by structured clone).
import { parentPort } from 'node:worker_threads';

/** What the main thread asks: fib(n), or a crash on purpose (GET /crash). */
export type Job = { readonly kind: 'fib'; readonly n: number } | { readonly kind: 'crash' };

// Fixed, CPU-bound work: the naive recursive Fibonacci, on purpose without a cache.
function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

parentPort?.on('message', (job: Job) => {
  // Thrown here, outside any try: an uncaught exception, which ends this thread (the Worker
  // object in the main thread gets 'error', then 'exit'), not the process.
  if (job.kind === 'crash') throw new Error('the thread crashed on purpose (GET /crash)');
  parentPort?.postMessage(fib(job.n));
});
