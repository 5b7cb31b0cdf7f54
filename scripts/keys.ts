// Single keys while `npm start` watches: the terminal in raw mode, one byte at a time, no Enter.
// Raw mode also turns Ctrl-C into a byte (no SIGINT), so it is handled here like q.

/** `other`: any other key, which answers "no" to a question that waits for `yes` (y). */
export type Key = 'hint' | 'compare' | 'run' | 'list' | 'quit' | 'yes' | 'other';

const keys: Readonly<Record<string, Key>> = { h: 'hint', c: 'compare', r: 'run', l: 'list', q: 'quit', y: 'yes', '\u0003': 'quit', '\u0004': 'quit' };

/** Call `onKey` for each key pressed; returns the function that gives the terminal back. */
export function listenKeys(onKey: (key: Key) => void, input: NodeJS.ReadStream = process.stdin): () => void {
  if (!input.isTTY) return () => {};
  input.setRawMode(true);
  input.setEncoding('utf8');
  const onData = (chunk: string): void => {
    if (chunk.startsWith('\u001b')) return onKey('other'); // arrows and other escape sequences: `\x1b[C` is not `c`
    for (const ch of chunk) onKey(keys[ch.toLowerCase()] ?? 'other');
  };
  input.on('data', onData);
  input.resume();
  let restored = false;
  return () => {
    if (restored) return;
    restored = true;
    input.off('data', onData);
    input.setRawMode(false);
    input.pause();
  };
}
