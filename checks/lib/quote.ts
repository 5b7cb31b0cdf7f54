// A program's answer quoted in a ✗: an HTML error page (Express's "Cannot GET /x") as its text, not
// its markup, and a long body cut at a word boundary with "…", never in the middle of a word.

/** At most `max` characters of `body` to show the learner. */
export function quote(body: string, max = 200): string {
  const html = /^\s*<(!doctype|html|head|body|pre|title|h1|p)\b/i.test(body);
  const text = (html ? body.replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]*>/g, ' ').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&') : body)
    .replace(/\s+/g, ' ')
    .trim();
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const space = cut.lastIndexOf(' ');
  return `${space > max / 2 ? cut.slice(0, space) : cut}…`;
}

/** "status 500, body Cannot GET /x" (or "body (empty)"): an answer, quoted for a ✗. */
export function describeReply(reply: { readonly status: number; readonly body: string }, max = 200): string {
  return `status ${reply.status}, body ${quote(reply.body, max) || '(empty)'}`;
}
