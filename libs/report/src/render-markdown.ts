// Blocks as GitHub-flavoured Markdown (chat, issues, the API's format=md).
import type { Block } from './blocks.js';

/** Cell and inline text: a pipe would split a table cell, `*` (`10.0.0.1:*`) would start emphasis. */
function escape(text: string): string {
  return text.replace(/([|*\\])/g, '\\$1');
}

function table(header: string[], rows: string[][]): string[] {
  const line = (cells: string[]) => `| ${cells.map((c) => escape(c)).join(' | ')} |`;
  return [line(header), `|${header.map(() => ' --- |').join('')}`, ...rows.map(line)];
}

export function renderMarkdown(blocks: Block[]): string {
  const out: string[] = [];
  for (const b of blocks) {
    switch (b.kind) {
      case 'heading':
        out.push(`${'#'.repeat(b.level)} ${escape(b.text)}`);
        break;
      case 'paragraph':
        out.push(escape(b.text));
        break;
      case 'table':
        out.push(table(b.header, b.rows).join('\n'));
        break;
      case 'list':
        out.push([`${escape(b.title)}:`, '', ...b.items.map((i) => `- ${escape(i)}`)].join('\n'));
        break;
      case 'commands':
        out.push([`${escape(b.title)}:`, '', '```sh', ...b.lines, '```'].join('\n'));
        break;
    }
  }
  return `${out.join('\n\n')}\n`;
}
