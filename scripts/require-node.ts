// Imported first by every command: a clear message instead of an obscure crash on an old Node.
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 12)) {
  console.error(`✖ This workshop needs Node.js 20.12 or newer; this is ${process.version}. Install a current LTS from nodejs.org.`);
  process.exit(1);
}
export {};
