// How a lesson's state looks, on both faces: one table, so the terminal and the page never disagree.
import type { LessonState } from '../workshop.ts';

export const marks: Readonly<Record<LessonState, { readonly sign: string; readonly label: string }>> = {
  passed: { sign: '✓', label: 'passed' },
  current: { sign: '▶', label: 'current lesson' },
  todo: { sign: '·', label: 'not passed yet' },
};
