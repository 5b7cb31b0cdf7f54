// The learner's workshop (scripts/workshop.ts) and the views both faces share, without a process.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { quote } from '../checks/lib/index.ts';
import type { CheckResult } from '../checks/lib/runner.ts';
import { lessons } from '../course.ts';
import { resultView } from '../scripts/views/result.ts';
import { openWorkshop } from '../scripts/workshop.ts';

let home: string;
beforeEach(() => (home = mkdtempSync(join(tmpdir(), 'workshop-home-'))));
afterEach(() => rmSync(home, { recursive: true, force: true }));

const [first, second, third] = lessons as [typeof lessons[0], typeof lessons[0], typeof lessons[0]];

describe('openWorkshop', () => {
  it('puts the learner\'s folder and README under WORKSHOP_LESSONS_DIR, for the terminal and the page alike', () => {
    const ws = openWorkshop({ WORKSHOP_HOME: home, WORKSHOP_LESSONS_DIR: '/moved' });
    expect(ws.learnerDir(first)).toBe(`/moved/${first.id}`);
    expect(ws.readme(first)).toBe(`/moved/${first.id}/README.md`);
    expect(ws.starterDir(first)).toBe(join(ws.root, 'lessons', first.id));
    expect(ws.solutionDir(first)).toBe(join(ws.root, 'solutions', first.id));
    expect(ws.checkFile(first)).toBe(join(ws.root, 'checks', `${first.id}.ts`));
  });

  it('has one meaning of the current lesson: the first not passed', () => {
    const ws = openWorkshop({ WORKSHOP_HOME: home });
    const heard: (string | undefined)[] = [];
    ws.onChange((p) => heard.push(p.current));
    ws.pass(first);
    ws.pass(third);
    expect(ws.current()).toBe(second);
    ws.pass(second);
    expect(ws.current()?.id, 'not the lesson after the one that passed, which has passed already').toBe(lessons[3]?.id);
    expect(heard).toEqual([second.id, second.id, lessons[3]?.id]);
    expect(ws.rows().slice(0, 4).map((r) => r.state)).toEqual(['passed', 'passed', 'passed', 'current']);
    // Written once per change, never read back: a new workshop reads what this one wrote.
    expect(openWorkshop({ WORKSHOP_HOME: home }).current()?.id).toBe(lessons[3]?.id);
  });

  it('keeps hints seen in the same file, and a reset forgets both', () => {
    const ws = openWorkshop({ WORKSHOP_HOME: home });
    ws.pass(first);
    expect(ws.revealHint(first).number).toBe(1);
    expect(ws.revealHint(first).number).toBe(2);
    expect(JSON.parse(readFileSync(ws.stateFile, 'utf8'))).toEqual({ passed: [first.id], hintsSeen: { [first.id]: 2 } });
    ws.reset(first);
    expect(JSON.parse(readFileSync(ws.stateFile, 'utf8'))).toEqual({ passed: [], hintsSeen: {} });
  });
});

describe('the result view both faces paint', () => {
  const result = (seen: string): CheckResult => ({
    lesson: { id: first.id, title: first.title },
    dir: '/x',
    ok: false,
    expectations: [
      { name: 'a', ok: false, seen, durationMs: 1 },
      { name: 'b', ok: true, durationMs: 1 },
    ],
    stoppedEarly: 'the program died',
    durationMs: 1500,
  });

  it('says the reason once: in the ✗ when it is there, in the note when it is not', () => {
    expect(resultView(result('before that, the program died: exit 1')).stopped).toBe('The check stopped early (the rest needs the ✗ above); later expectations were not tried.');
    expect(resultView(result('something else')).stopped).toBe('The check stopped early (the program died); later expectations were not tried.');
    expect(resultView(result('x')).summary).toBe('1 of 2 expectations hold · 1.5 s');
  });
});

describe('quote', () => {
  it('quotes an HTML error page as its text, cut at a word boundary', () => {
    const page = '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n</head>\n<body>\n<pre>Cannot GET /work</pre>\n</body>\n</html>\n';
    expect(quote(page)).toBe('Error Cannot GET /work');
    const long = `${'word '.repeat(60)}end`;
    const q = quote(long, 50);
    expect(q.endsWith('word…')).toBe(true);
    expect(q.length).toBeLessThanOrEqual(51);
    expect(quote('{"pid": 1}')).toBe('{"pid": 1}');
  });
});
