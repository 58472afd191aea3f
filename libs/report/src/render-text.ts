// Blocks as plain text for a terminal: aligned columns, headings underlined, commands prefixed `$`.
import type { Block } from './blocks.js';

const UNDERLINE: Record<number, string> = { 1: '=', 2: '-' };

function width(text: string): number {
  return [...text].length;
}

function table(header: string[], rows: string[][], indent: string): string[] {
  const widths = header.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: string[]) =>
    `${indent}${cells.map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i] - width(c)))).join('  ')}`.trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

export function renderText(blocks: Block[]): string {
  const out: string[] = [];
  let indent = '';
  for (const b of blocks) {
    switch (b.kind) {
      case 'heading':
        // Levels 1-2 are underlined; a level 3 section and a level 4 caption indent what follows.
        if (b.level <= 2) out.push(b.text, UNDERLINE[b.level].repeat(width(b.text)));
        else out.push(`${b.level === 4 ? '  ' : ''}${b.text}`);
        indent = b.level <= 2 ? '' : b.level === 3 ? '  ' : '    ';
        break;
      case 'paragraph':
        out.push(`${indent}${b.text}`);
        break;
      case 'table':
        out.push(...table(b.header, b.rows, indent));
        break;
      case 'list':
        out.push(`${indent}${b.title}:`, ...b.items.map((i) => `${indent}- ${i}`));
        break;
      case 'commands':
        out.push(`${indent}${b.title}:`, ...b.lines.map((l) => `${indent}  $ ${l}`));
        break;
    }
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}
