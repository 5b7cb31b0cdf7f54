// The task file piscina runs in each thread, in plain JavaScript: it loads the same way on every
// Node version, with or without tsx (tsx 4 on Node 20 does not load .ts files in threads).
function fib(n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

export default function task({ kind, n }) {
  if (kind === 'crash') {
    // piscina catches a thrown error and keeps the thread; an uncaught one from a timer ends it.
    setImmediate(() => {
      throw new Error('the thread crashed on purpose (GET /crash)');
    });
    return new Promise(() => {});
  }
  return fib(n);
}
