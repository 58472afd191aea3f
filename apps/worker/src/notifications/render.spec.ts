import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AnalysisNotice } from '#jobs';
import { renderDelivery, summaryLine } from './render.js';

const notice: AnalysisNotice = {
  event: 'analysis.succeeded',
  analysis: {
    id: '068c5ef4-050c-4bcb-bc28-3df5b0790270',
    name: 'clusterip',
    status: 'SUCCEEDED',
    error: null,
    createdAt: '2026-11-27T07:00:00.000Z',
    finishedAt: '2026-11-27T07:00:05.000Z',
    counts: { flows: 21, translations: 60, findings: 1 },
  },
  flowsByState: { CLOSED: 20, RESET: 1 },
  translations: { DNAT: 21, SNAT: 21, NONE: 18 },
  findings: { total: 1, bySeverity: { error: 1 } },
  topFindings: [{ code: 'RESET_BY_BACKEND', severity: 'error', title: 'a <b> & c' }],
  links: {
    report: 'https://n.example/v1/analyses/x/report?format=md',
    share: 'https://n.example/analyses/x?share=nls1.token',
    analysis: 'https://n.example/v1/analyses/x',
  },
};

describe('renderDelivery', () => {
  it('generic: the notice as JSON, signed over the exact body', () => {
    const { body, headers } = renderDelivery('generic', notice, 'd1', 's3cret');
    expect(JSON.parse(body)).toEqual({ ...notice, deliveryId: 'd1' });
    expect(headers['x-natlens-event']).toBe('analysis.succeeded');
    expect(headers['x-natlens-signature']).toBe(
      `sha256=${createHmac('sha256', 's3cret').update(body).digest('hex')}`,
    );
  });

  it('no secret, no signature header', () => {
    expect(renderDelivery('generic', notice, 'd1', null).headers['x-natlens-signature']).toBeUndefined();
  });

  it('slack: Block Kit with an escaped text fallback', () => {
    const message = JSON.parse(renderDelivery('slack', notice, 'd1', null).body) as {
      text: string;
      blocks: object[];
    };
    expect(message.text).toBe(
      'natlens: Analysis clusterip succeeded: 21 flows (20 CLOSED, 1 RESET), 60 translations, 1 findings',
    );
    expect(JSON.stringify(message.blocks)).toContain('a &lt;b&gt; &amp; c');
  });

  it('mattermost and failures', () => {
    const failed: AnalysisNotice = {
      ...notice,
      event: 'analysis.failed',
      analysis: { ...notice.analysis, status: 'FAILED', error: 'capture missing' },
    };
    const text = (JSON.parse(renderDelivery('mattermost', failed, 'd2', null).body) as { text: string }).text;
    expect(text).toMatch(/^#### :x: natlens: Analysis clusterip failed\n\n```\ncapture missing\n```/);
    expect(summaryLine(failed)).toBe('natlens: Analysis clusterip failed: capture missing');
  });
});
