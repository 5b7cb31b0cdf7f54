// A pool process: fib for each n it is sent; -1 crashes it.
function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}
process.on('message', (n) => {
  if (n === -1) throw new Error('the process crashed on purpose');
  process.send?.(fib(Number(n)));
});
