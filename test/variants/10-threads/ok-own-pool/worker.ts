// Each message is a job id and n; the answer carries the id back. n = -1 ends the thread.
import { parentPort } from 'node:worker_threads';

function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

parentPort?.on('message', ({ id, n }: { id: number; n: number }) => {
  if (n < 0) process.exit(3); // in a thread, process.exit() ends the thread only
  parentPort?.postMessage({ id, result: fib(n) });
});
