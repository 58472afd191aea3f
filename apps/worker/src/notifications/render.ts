import { createHmac } from 'node:crypto';
import type { AnalysisNotice } from '#jobs';

export type ReceiverKind = 'slack' | 'mattermost' | 'generic';

export interface RenderedDelivery {
  body: string;
  headers: Record<string, string>;
}

/**
 * The request one delivery sends: Slack (incoming webhook: Block Kit with a text fallback),
 * Mattermost (incoming webhook: Markdown) or generic (the notice as JSON, signed with
 * `X-Natlens-Signature: sha256=<hex HMAC-SHA256 of the body>` when the subscription has a secret).
 */
export function renderDelivery(
  kind: ReceiverKind,
  notice: AnalysisNotice,
  deliveryId: string,
  secret: string | null,
): RenderedDelivery {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'natlens-webhooks',
    'x-natlens-event': notice.event,
    'x-natlens-delivery': deliveryId,
  };
  let body: string;
  if (kind === 'slack') body = JSON.stringify(slackMessage(notice));
  else if (kind === 'mattermost')
    body = JSON.stringify({ username: 'natlens', text: mattermostText(notice) });
  else body = JSON.stringify({ ...notice, deliveryId });
  if (secret)
    headers['x-natlens-signature'] = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  return { body, headers };
}

function title(notice: AnalysisNotice): string {
  const name = notice.analysis.name ?? notice.analysis.id.slice(0, 8);
  return notice.event === 'analysis.succeeded' ? `Analysis ${name} succeeded` : `Analysis ${name} failed`;
}

function tally(counts: Record<string, number>): string {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return entries.length ? entries.map(([k, n]) => `${n} ${k}`).join(', ') : 'none';
}

function total(counts: Record<string, number>): number {
  return Object.values(counts).reduce((sum, n) => sum + n, 0);
}

/** One line for notifications' plain-text fallback and logs. */
export function summaryLine(notice: AnalysisNotice): string {
  if (notice.event === 'analysis.failed')
    return `natlens: ${title(notice)}: ${notice.analysis.error ?? 'no reason given'}`;
  return (
    `natlens: ${title(notice)}: ${total(notice.flowsByState)} flows (${tally(notice.flowsByState)}), ` +
    `${total(notice.translations)} translations, ${notice.findings.total} findings`
  );
}

function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function slackMessage(notice: AnalysisNotice): object {
  const ok = notice.event === 'analysis.succeeded';
  const blocks: object[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: `${ok ? '✅' : '❌'} ${title(notice)}`.slice(0, 150) },
    },
  ];
  if (ok) {
    blocks.push({
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Flows by state*\n${slackEscape(tally(notice.flowsByState))}` },
        { type: 'mrkdwn', text: `*Translations*\n${slackEscape(tally(notice.translations))}` },
        {
          type: 'mrkdwn',
          text: `*Findings*\n${notice.findings.total ? slackEscape(tally(notice.findings.bySeverity)) : 'none'}`,
        },
      ],
    });
    if (notice.topFindings.length)
      blocks.push({
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: notice.topFindings
            .map((f) => `• *${f.severity}* \`${f.code}\` ${slackEscape(f.title)}`)
            .join('\n')
            .slice(0, 2900),
        },
      });
  } else {
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `\`\`\`${slackEscape(notice.analysis.error ?? 'no reason given').slice(0, 2800)}\`\`\``,
      },
    });
  }
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: `<${notice.links.share}|Report> · analysis \`${notice.analysis.id}\``,
      },
    ],
  });
  return { text: summaryLine(notice), blocks };
}

function mattermostText(notice: AnalysisNotice): string {
  const ok = notice.event === 'analysis.succeeded';
  const lines = [`#### ${ok ? ':white_check_mark:' : ':x:'} natlens: ${title(notice)}`];
  if (ok) {
    lines.push(
      '',
      '| flows by state | translations | findings |',
      '| --- | --- | --- |',
      `| ${tally(notice.flowsByState)} | ${tally(notice.translations)} | ${notice.findings.total ? tally(notice.findings.bySeverity) : 'none'} |`,
    );
    if (notice.topFindings.length) {
      lines.push('', '**Top findings**');
      for (const f of notice.topFindings) lines.push(`- **${f.severity}** \`${f.code}\` ${f.title}`);
    }
  } else {
    lines.push('', '```', notice.analysis.error ?? 'no reason given', '```');
  }
  lines.push('', `[Report](${notice.links.share}) · analysis \`${notice.analysis.id}\``);
  return lines.join('\n');
}
