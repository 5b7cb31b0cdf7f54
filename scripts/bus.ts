// What `npm start` tells its faces (the terminal and the web page): one stream of events, so the
// two always show the same result. Progress comes from the workshop itself: a pass recorded by the
// watch loop reaches every face without anyone reading the state file back.
import type { CheckResult, TimelineEvent } from '../checks/lib/runner.ts';
import type { ProgressView, Workshop } from './workshop.ts';

export type WorkshopEvent =
  | { readonly type: 'check-started'; readonly lesson: string }
  /** One moment of the running check (its timeline as it is recorded), for the live faces. */
  | { readonly type: 'check-event'; readonly lesson: string; readonly event: TimelineEvent }
  | { readonly type: 'check-finished'; readonly result: CheckResult }
  | ({ readonly type: 'progress' } & ProgressView);

export class WorkshopBus {
  private readonly listeners = new Set<(e: WorkshopEvent) => void>();
  /** The last finished check, for a face that joins late (a page opened after the run). */
  latest: CheckResult | undefined;
  /** The lesson whose check is running now, if any. */
  running: string | undefined;
  /** The running check's timeline so far, for a face that joins during the run. */
  live: TimelineEvent[] = [];

  /** With a workshop: every change of its progress becomes a `progress` event. */
  constructor(workshop?: Workshop) {
    workshop?.onChange((p) => this.emit({ type: 'progress', ...p }));
  }

  emit(e: WorkshopEvent): void {
    if (e.type === 'check-started') {
      this.running = e.lesson;
      this.live = [];
    }
    if (e.type === 'check-event' && e.lesson === this.running) this.live.push(e.event);
    if (e.type === 'check-finished') {
      this.running = undefined;
      this.live = [];
      this.latest = e.result;
    }
    for (const fn of this.listeners) fn(e);
  }

  /** Listen to every event; returns the function that stops listening. */
  subscribe(fn: (e: WorkshopEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}
