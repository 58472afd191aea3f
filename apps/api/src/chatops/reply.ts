// A chat reply independent of the chat system; render.ts turns it into Slack Block Kit (with a
// plain-text fallback) or Mattermost Markdown. Text may hold `inline code` and nothing else.

export interface ChatTable {
  columns: string[];
  rows: string[][];
  /** Rows left out (shown as a note under the table). */
  more?: number;
}

export type ChatSection =
  | { kind: 'text'; text: string }
  | { kind: 'list'; items: string[] }
  | { kind: 'table'; caption?: string; table: ChatTable }
  | { kind: 'link'; text: string; url: string };

export interface ChatReply {
  /** ephemeral: only the caller sees it (help, errors); in_channel: the whole channel does. */
  visibility: 'ephemeral' | 'in_channel';
  title: string;
  sections: ChatSection[];
}

export function ephemeral(title: string, ...sections: ChatSection[]): ChatReply {
  return { visibility: 'ephemeral', title, sections };
}

export function inChannel(title: string, ...sections: ChatSection[]): ChatReply {
  return { visibility: 'in_channel', title, sections };
}

export const text = (value: string): ChatSection => ({ kind: 'text', text: value });
export const list = (items: string[]): ChatSection => ({ kind: 'list', items });
export const table = (columns: string[], rows: string[][], caption?: string, more = 0): ChatSection => ({
  kind: 'table',
  caption,
  table: { columns, rows, more },
});
export const link = (label: string, url: string): ChatSection => ({ kind: 'link', text: label, url });

/** A fixed-width table: columns padded to their widest cell, for monospace blocks and plain text. */
export function monospace(t: ChatTable, maxChars = Infinity): string {
  const widths = t.columns.map((c, i) => Math.max(c.length, ...t.rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const out = [line(t.columns), line(widths.map((w) => '-'.repeat(w)))];
  let shown = 0;
  for (const row of t.rows) {
    const next = line(row);
    const tail = `… ${t.rows.length - shown + (t.more ?? 0)} more`;
    if ([...out, next].join('\n').length + tail.length + 1 > maxChars) break;
    out.push(next);
    shown++;
  }
  const left = t.rows.length - shown + (t.more ?? 0);
  if (left > 0) out.push(`… ${left} more`);
  return out.join('\n');
}
