// Preloaded into a learner's program (NODE_OPTIONS=--require, see fake-cores.ts) when
// WORKSHOP_FAKE_CORES is set: os.availableParallelism(), os.cpus() and navigator.hardwareConcurrency
// report that many cores. On a machine with as many cores as a count written into the code (2 on
// this course's CI), "one per core" and "2" look the same; with 3 reported, they don't.
// Plain CommonJS: it loads before tsx or Node's type stripping, on every Node the course supports.
'use strict';
const cores = Number(process.env.WORKSHOP_FAKE_CORES);
if (Number.isInteger(cores) && cores > 0) {
  const os = require('node:os');
  const realCpus = os.cpus;
  os.availableParallelism = () => cores;
  os.cpus = () => {
    const real = realCpus();
    return Array.from({ length: cores }, (_, i) => ({ ...real[i % Math.max(1, real.length)] }));
  };
  // `import { availableParallelism } from 'node:os'` reads the ES module's own bindings: update them.
  require('node:module').syncBuiltinESMExports();
  // Node 21+ has navigator; its hardwareConcurrency is read lazily, so an own getter wins.
  if (typeof globalThis.navigator === 'object' && globalThis.navigator !== null) {
    Object.defineProperty(globalThis.navigator, 'hardwareConcurrency', { get: () => cores, configurable: true });
  }
}
