// A check while it runs, in the terminal (issue #15): a long check (lesson 04: 30 s and more) must
// never look hung. In a terminal, one block redrawn a few times a second: the expectation in
// progress, the time so far, and the lanes growing. Elsewhere (a pipe, CI logs), plain lines: one
// when each expectation starts, nothing redrawn.
import type { TimelineEvent } from '../../checks/lib/types.ts';
import { pc } from './colors.ts';
import { formatTimeline, seconds, terminalUnicode, timelineModel } from './timeline.ts';

export interface LiveOptions {
  /** A terminal that understands cursor movement: redraw one block. Otherwise one line per expectation. */
  readonly tty: boolean;
  /** Writes text as is (no newline added). */
  readonly write: (text: string) => void;
  /** The terminal's width (default 80); the block never wraps. */
  readonly columns?: number;
  readonly unicode?: boolean;
  /** How often the block is redrawn (default 250 ms). */
  readonly everyMs?: number;
  /** Lanes shown while running (default 6). */
  readonly maxLanes?: number;
}

const spinner = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export class LiveStatus {
  private events: TimelineEvent[] = [];
  private current: string | undefined;
  private startedAt = 0;
  private lesson = '';
  private drawn = 0; // lines of the block on screen now
  private frame = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly unicode: boolean;

  constructor(private readonly opts: LiveOptions) {
    this.unicode = opts.unicode ?? terminalUnicode();
  }

  /** A check of `lesson` starts. */
  start(lesson: string): void {
    this.stop();
    this.events = [];
    this.current = undefined;
    this.lesson = lesson;
    this.startedAt = performance.now();
    if (!this.opts.tty) return;
    this.timer = setInterval(() => this.draw(), this.opts.everyMs ?? 250);
    this.timer.unref();
    this.draw();
  }

  /** One event of the running check's timeline. */
  event(e: TimelineEvent): void {
    this.events.push(e);
    if (e.kind !== 'expectation') return;
    if (e.ok === undefined) {
      this.current = e.name;
      if (!this.opts.tty) this.opts.write(`  [${seconds(e.atMs).padStart(7)}] ${e.name}…\n`);
    } else if (this.current === e.name) {
      this.current = undefined;
    }
  }

  /** The check is over (or cancelled): take the block off the screen, so the result prints where it was. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.erase();
  }

  /** Print lines while the block is shown: the block gives way, and comes back at the next redraw. */
  print(text: string): void {
    this.erase();
    this.opts.write(`${text}\n`);
  }

  private erase(): void {
    if (this.drawn === 0) return;
    this.opts.write(`\x1b[${this.drawn}A\r\x1b[J`); // up to the block's first line, clear from there down
    this.drawn = 0;
  }

  private draw(): void {
    const columns = Math.max(40, this.opts.columns ?? 80);
    const width = Math.min(80, columns - 1);
    const elapsed = performance.now() - this.startedAt;
    const spin = this.unicode ? (spinner[this.frame++ % spinner.length] ?? '*') : '-\\|/'[this.frame++ % 4] ?? '*';
    const doing = this.current ?? (this.events.length === 0 ? 'starting' : 'between expectations');
    let head = `${spin} ${this.lesson} · ${seconds(elapsed)} · ${doing}`;
    if (!this.unicode) head = head.replaceAll('·', '-');
    if ([...head].length > width) head = `${[...head].slice(0, width - 1).join('')}${this.unicode ? '…' : '.'}`;
    const lines = [pc.cyan(head)];
    const m = timelineModel(this.events, { fromMs: 0, toMs: Math.max(elapsed, this.events.at(-1)?.atMs ?? 0, 1000) });
    if (m.lanes.length > 0) lines.push(formatTimeline(m, { width, unicode: this.unicode, compact: true, recent: true, maxLanes: this.opts.maxLanes ?? 6 }));
    const text = lines.join('\n');
    this.erase();
    this.opts.write(`${text}\n`);
    this.drawn = text.split('\n').length;
  }
}

/** The live view on this process's stdout: redrawn in a terminal, plain lines in a pipe. */
export function liveStatus(): LiveStatus {
  const out = process.stdout;
  return new LiveStatus({ tty: out.isTTY === true && process.env.TERM !== 'dumb', write: (t) => void out.write(t), columns: out.columns ?? 80 });
}
