// npm run compare [-- <lesson>] [--yes]: a unified diff of the learner's files against the
// solution's. For a lesson not passed yet it asks first in a terminal (the diff is the answer).
import { confirm } from '../ask.ts';
import { defineCommand } from '../command.ts';
import { pickLesson } from '../lesson-arg.ts';
import { compareLesson, spoilerQuestion } from '../views/compare.ts';
import { finished } from '../views/course.ts';

export const compare = defineCommand({
  name: 'compare',
  usage: 'npm run compare [-- <lesson>] [--yes]',
  options: { yes: { type: 'boolean', short: 'y' } },
  positionals: 1,
  async run({ values, positionals }, { ws }) {
    const picked = pickLesson(ws, positionals);
    if (!picked) {
      console.log(finished('Compare one with: npm run compare -- <lesson>'));
      return 0;
    }
    const { lesson } = picked;
    // Without a terminal (a pipe, a script) the command itself was the deliberate request.
    if (!ws.isPassed(lesson) && !values.yes && process.stdin.isTTY && !(await confirm(spoilerQuestion(lesson)))) {
      console.log('Nothing shown. npm run hint gives a nudge instead.');
      return 0;
    }
    console.log(compareLesson(ws, lesson));
    return 0;
  },
});
