// The work the lessons' /work route does, run in the check's own process: what fib(k) costs on this
// machine, in CPU time (which, unlike wall time, does not grow when other programs share the cores).
// A learner's /work that burns far less than this did not compute fib(k) (a cache, a timer).

export const fib = (k: number): number => (k < 2 ? k : fib(k - 1) + fib(k - 2));

/** The CPU time this process spends on fib(k), in ms. */
export function ownCpuForFib(k: number): number {
  const before = process.cpuUsage();
  fib(k);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}
