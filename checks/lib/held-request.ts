// A GET / sent all but its blank last line, on a connection of its own: whichever worker takes the
// connection reads the start of a request it cannot answer yet, and disconnect() waits for it,
// until finish() sends the rest. Lessons 04 and 07: a worker busy with a request when a signal comes.
import net from 'node:net';
import { sleep } from './http.ts';
import { socketInodes, tcpRows } from './proc.ts';

export class HeldRequest {
  readonly socket: net.Socket;
  /** Connected, with the start of the request written (or the connection failed). */
  readonly connected: Promise<void>;
  /** Everything that came back so far. */
  got = '';
  /** When the connection closed (performance.now()), once it has. */
  closedAt: number | undefined;

  /** `idleMs`: destroy the connection after this long with nothing sent or received (0: never). */
  constructor(
    readonly port: number,
    idleMs = 0,
  ) {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.on('data', (chunk: Buffer) => (this.got += chunk.toString('latin1')));
    this.socket.on('error', () => {}); // a reset shows as no answer
    this.socket.on('close', () => (this.closedAt ??= performance.now()));
    if (idleMs > 0) this.socket.setTimeout(idleMs, () => this.socket.destroy());
    this.connected = new Promise<void>((resolve) => {
      this.socket.once('connect', () => {
        this.socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n'); // no blank line: the request is still on its way
        resolve();
      });
      this.socket.once('error', () => resolve());
    });
  }

  /** When finish() sent the rest (performance.now()), once it has. */
  finishedAt: number | undefined;

  /** Send the rest of the request (once; nothing on a closed connection). */
  finish(): void {
    if (this.finishedAt !== undefined) return;
    this.finishedAt = performance.now();
    if (!this.socket.destroyed) this.socket.write('Connection: close\r\n\r\n');
  }

  /** The head of an answer has come back. */
  get answered(): boolean {
    return this.got.includes('\r\n\r\n');
  }

  /** Wait up to `ms` for an answer or the connection's end. */
  async settle(ms: number): Promise<void> {
    for (const until = performance.now() + ms; performance.now() < until && this.closedAt === undefined && !this.answered; ) await sleep(10);
  }

  destroy(): void {
    this.socket.destroy();
  }

  /**
   * Which of `workers` holds the server's end of this connection and has read everything sent on
   * it (Linux's /proc/net/tcp: receive queue empty); undefined while it is in transit, or without /proc.
   */
  holder(workers: readonly number[]): number | undefined {
    const clientPort = this.socket.localPort;
    if (clientPort === undefined) return undefined;
    const hex = (n: number): string => n.toString(16).toUpperCase().padStart(4, '0');
    // local address, remote address, state (01: established), tx:rx queue (rx empty: all read), …, inode
    const inode = tcpRows().find((f) => f[1]?.endsWith(`:${hex(this.port)}`) && f[2]?.endsWith(`:${hex(clientPort)}`) && f[3] === '01' && f[4]?.endsWith(':00000000'))?.[9];
    if (inode === undefined) return undefined;
    return workers.find((pid) => socketInodes([pid]).has(inode));
  }
}
