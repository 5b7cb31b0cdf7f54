// The work the lessons' /work route does, run in the check's own process: what fib(k) costs on this
// machine, in CPU time (which, unlike wall time, does not grow when other programs share the cores).
// A learner's /work that burns far less than this did not compute fib(k) (a cache, a timer).

export const fib = (k: number): number => (k < 2 ? k : fib(k - 1) + fib(k - 2));

/** fib(0) … fib(46) by addition, for comparing answers: fib() above costs seconds for large k. */
const FIB_VALUES: readonly number[] = ((): number[] => {
  const all = [0, 1];
  for (let k = 2; k <= 46; k++) all.push((all[k - 1] ?? 0) + (all[k - 2] ?? 0));
  return all;
})();

/** fib(k), exact and at no cost, for k from 0 to 46 (what a /work may be asked). */
export const fibValue = (k: number): number | undefined => FIB_VALUES[k];

/** Whether x is fib(k) for some k from 0 to 46: the result of some /work, maybe not this one's. */
export const isFibValue = (x: number): boolean => FIB_VALUES.includes(x);

/** The CPU time this process spends on fib(k), in ms. */
export function ownCpuForFib(k: number): number {
  const before = process.cpuUsage();
  fib(k);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}
