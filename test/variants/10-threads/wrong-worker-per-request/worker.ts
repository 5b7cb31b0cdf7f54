// One job per thread: compute, post the answer, and let the thread end.
import { parentPort, workerData } from 'node:worker_threads';

function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

const { n } = workerData as { n: number };
if (n < 0) throw new Error('the thread crashed on purpose (GET /crash)');
parentPort?.postMessage(fib(n));
