import { monospace, type ChatReply, type ChatTable } from './reply.js';

/** Slack caps a section's text at 3000 characters; tables are cut to fit with a "… N more" line. */
const SLACK_SECTION_CHARS = 2900;

function slackEscape(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The reply as plain text: Slack's notification fallback, and what a client without blocks shows. */
export function plainText(reply: ChatReply): string {
  const parts = [reply.title];
  for (const s of reply.sections) {
    if (s.kind === 'text') parts.push(s.text);
    else if (s.kind === 'list') parts.push(s.items.map((i) => `• ${i}`).join('\n'));
    else if (s.kind === 'table') parts.push([s.caption, monospace(s.table, 1500)].filter(Boolean).join('\n'));
    else parts.push(`${s.text}: ${s.url}`);
  }
  return parts.join('\n\n').slice(0, 3000);
}

/** A slash-command answer (or response_url message) for Slack: Block Kit plus the text fallback. */
export function slackMessage(reply: ChatReply): Record<string, unknown> {
  const blocks: object[] = [
    { type: 'section', text: { type: 'mrkdwn', text: `*${slackEscape(reply.title)}*` } },
  ];
  for (const s of reply.sections) {
    let body: string;
    if (s.kind === 'text') body = slackEscape(s.text);
    else if (s.kind === 'list') body = s.items.map((i) => `• ${slackEscape(i)}`).join('\n');
    else if (s.kind === 'table') {
      const caption = s.caption ? `${slackEscape(s.caption)}\n` : '';
      body = `${caption}\`\`\`${slackEscape(monospace(s.table, SLACK_SECTION_CHARS - caption.length - 6))}\`\`\``;
    } else {
      blocks.push({
        type: 'context',
        elements: [{ type: 'mrkdwn', text: `<${s.url}|${slackEscape(s.text)}>` }],
      });
      continue;
    }
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: body.slice(0, SLACK_SECTION_CHARS) } });
  }
  return { response_type: reply.visibility, text: plainText(reply), blocks: blocks.slice(0, 50) };
}

function markdownCell(value: string): string {
  return value.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function markdownTable(t: ChatTable): string {
  const lines = [
    `| ${t.columns.map(markdownCell).join(' | ')} |`,
    `| ${t.columns.map(() => '---').join(' | ')} |`,
    ...t.rows.map((r) => `| ${r.map(markdownCell).join(' | ')} |`),
  ];
  if (t.more) lines.push('', `… ${t.more} more`);
  return lines.join('\n');
}

/** A slash-command answer for Mattermost: Markdown text (tables render natively). */
export function mattermostMessage(reply: ChatReply): Record<string, unknown> {
  const parts = [`#### ${reply.title}`];
  for (const s of reply.sections) {
    if (s.kind === 'text') parts.push(s.text);
    else if (s.kind === 'list') parts.push(s.items.map((i) => `- ${i}`).join('\n'));
    else if (s.kind === 'table')
      parts.push([s.caption && `**${s.caption}**`, markdownTable(s.table)].filter(Boolean).join('\n\n'));
    else parts.push(`[${s.text}](${s.url})`);
  }
  return { response_type: reply.visibility, username: 'natlens', text: parts.join('\n\n') };
}
