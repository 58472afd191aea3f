import { Injectable, Logger } from '@nestjs/common';
import { buildDataplaneModel, type ParsedSnapshot } from '#cluster';
import { AnalysesRepository, SnapshotsRepository, type Analysis } from '#persistence';
import { ShareLinks } from '#platform';
import type { ReportDocument, ReportFlow } from '#report';
import type { Caller } from '../auth/auth.guard.js';
import { ReportService } from '../analyses/report.service.js';
import { ephemeral, inChannel, link, list, table, text, type ChatReply } from './reply.js';

/** Who asks, from which project, and how links back to the api are written. */
export interface ChatContext {
  projectId: string;
  projectName: string;
  /** e.g. https://natlens.example.com (no trailing slash). */
  publicUrl: string;
  /** How the command is typed in this chat, e.g. `/natlens`. */
  command: string;
}

/** Either an answer now, or an acknowledgement now and the answer later (to response_url). */
export type CommandOutcome = { reply: ChatReply } | { ack: ChatReply; later: () => Promise<ChatReply> };

/** A mistake in what the user typed: answered with an ephemeral explanation, never an error. */
class UsageError extends Error {}

const FLOW_STATES = ['ESTABLISHED', 'CLOSED', 'RESET', 'UNANSWERED', 'ICMP_ERROR', 'ANSWERED'];
/** Problem flows first when picking the "top" flows. */
const STATE_RANK: Record<string, number> = { UNANSWERED: 0, RESET: 1, ICMP_ERROR: 2 };
const SEVERITY_RANK: Record<string, number> = { error: 0, warning: 1, info: 2 };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TOP_FLOWS = 10;

interface Parsed {
  command: string;
  positional: string[];
  options: Record<string, string>;
}

function parse(input: string): Parsed {
  const words = input.trim().split(/\s+/).filter(Boolean);
  const [command = 'help', ...rest] = words;
  const positional: string[] = [];
  const options: Record<string, string> = {};
  for (const word of rest) {
    const eq = word.indexOf('=');
    if (eq > 0) options[word.slice(0, eq).toLowerCase()] = word.slice(eq + 1);
    else positional.push(word);
  }
  return { command: command.toLowerCase(), positional, options };
}

function only(parsed: Parsed, allowed: string[], maxPositional: number, usage: string): void {
  const unknown = Object.keys(parsed.options).filter((k) => !allowed.includes(k));
  if (unknown.length)
    throw new UsageError(
      `\`${parsed.command}\` does not take ${unknown.map((k) => `\`${k}=\``).join(', ')}. Usage: \`${usage}\``,
    );
  if (parsed.positional.length > maxPositional)
    throw new UsageError(`Too many arguments (${parsed.positional.join(' ')}). Usage: \`${usage}\``);
}

const short = (id: string): string => id.slice(0, 8);
const nameOf = (a: Pick<Analysis, 'id' | 'name'>): string =>
  a.name ? `${a.name} (${short(a.id)})` : short(a.id);
const percent = (share: number): string => `${(share * 100).toFixed(share > 0 && share < 0.1 ? 1 : 0)}%`;

/**
 * The slash commands: help, status, last, flows, findings, backends. Every answer is a ChatReply;
 * mistakes (unknown command, bad argument, no such analysis) are ephemeral explanations.
 */
@Injectable()
export class ChatCommandsService {
  private readonly logger = new Logger('chatops');

  constructor(
    private readonly analyses: AnalysesRepository,
    private readonly snapshots: SnapshotsRepository,
    private readonly reports: ReportService,
    private readonly shares: ShareLinks,
  ) {}

  async run(ctx: ChatContext, input: string): Promise<CommandOutcome> {
    const parsed = parse(input);
    try {
      switch (parsed.command) {
        case 'help':
        case '?':
          return { reply: this.help(ctx) };
        case 'status':
          only(parsed, [], 1, `${ctx.command} status [analysis]`);
          return { reply: await this.status(ctx, parsed.positional[0]) };
        case 'last':
          only(parsed, [], 1, `${ctx.command} last [count]`);
          return { reply: await this.last(ctx, parsed.positional[0]) };
        case 'flows':
          only(
            parsed,
            ['svc', 'pod', 'state'],
            1,
            `${ctx.command} flows <analysis> [svc=ns/name] [pod=...] [state=...]`,
          );
          if (parsed.options.state && !FLOW_STATES.includes(parsed.options.state.toUpperCase()))
            throw new UsageError(
              `\`state=${parsed.options.state}\` is not a flow state: one of ${FLOW_STATES.join(', ')}.`,
            );
          return await this.deferred(ctx, parsed, (a) => this.flows(ctx, a, parsed.options));
        case 'findings':
          only(parsed, [], 1, `${ctx.command} findings <analysis>`);
          return await this.deferred(ctx, parsed, (a) => this.findings(ctx, a));
        case 'backends':
          only(parsed, ['svc'], 1, `${ctx.command} backends <analysis> svc=ns/name`);
          if (!parsed.options.svc)
            throw new UsageError(`Which service? Usage: \`${ctx.command} backends <analysis> svc=ns/name\``);
          return await this.deferred(ctx, parsed, (a) => this.backends(ctx, a, parsed.options.svc));
        default:
          return {
            reply: ephemeral(
              `Unknown command \`${parsed.command}\``,
              text(`\`${ctx.command} help\` lists what I can do:`),
              list(this.commandList(ctx)),
            ),
          };
      }
    } catch (error) {
      if (error instanceof UsageError) return { reply: ephemeral('Cannot do that', text(error.message)) };
      throw error;
    }
  }

  /** Resolves the analysis now (mistakes are answered at once), builds the long answer later. */
  private async deferred(
    ctx: ChatContext,
    parsed: Parsed,
    build: (analysis: Analysis) => Promise<ChatReply>,
  ): Promise<CommandOutcome> {
    const analysis = await this.resolve(ctx, parsed.positional[0], true);
    if (analysis.status !== 'SUCCEEDED')
      throw new UsageError(
        `Analysis ${nameOf(analysis)} is ${analysis.status}${analysis.error ? `: ${analysis.error}` : ''}; ` +
          `results exist once it has SUCCEEDED (\`${ctx.command} status ${short(analysis.id)}\`).`,
      );
    return {
      ack: ephemeral(`Working on \`${parsed.command}\` for analysis ${nameOf(analysis)}…`),
      later: () =>
        build(analysis).catch((error: unknown) => {
          if (error instanceof UsageError) return ephemeral('Cannot do that', text(error.message));
          throw error;
        }),
    };
  }

  /** `last`/`latest`/nothing: the newest; a full id, an id prefix (4+ hex digits) or an exact name. */
  private async resolve(ctx: ChatContext, ref: string | undefined, required = false): Promise<Analysis> {
    if (!ref && required)
      throw new UsageError(
        `Which analysis? Give an id, its first characters, a name, or \`last\` (\`${ctx.command} last\` lists them).`,
      );
    const recent = await this.analyses.list(ctx.projectId, 500);
    if (!recent.length)
      throw new UsageError(`Project ${ctx.projectName} has no analyses yet: upload captures and start one.`);
    if (!ref || ref === 'last' || ref === 'latest') return recent[0];
    if (UUID.test(ref)) {
      const found = await this.analyses.find(ctx.projectId, ref.toLowerCase());
      if (found) return found;
    } else {
      const byPrefix = /^[0-9a-f-]{4,}$/i.test(ref)
        ? recent.filter((a) => a.id.startsWith(ref.toLowerCase()))
        : [];
      if (byPrefix.length === 1) return byPrefix[0];
      if (byPrefix.length > 1)
        throw new UsageError(
          `\`${ref}\` matches ${byPrefix.length} analyses (${byPrefix
            .slice(0, 5)
            .map((a) => `\`${short(a.id)}\``)
            .join(', ')}…); give more of the id.`,
        );
      const byName = recent.find((a) => a.name?.toLowerCase() === ref.toLowerCase());
      if (byName) return byName;
    }
    throw new UsageError(
      `No analysis \`${ref}\` in project ${ctx.projectName}. \`${ctx.command} last\` lists the recent ones.`,
    );
  }

  private commandList(ctx: ChatContext): string[] {
    const c = ctx.command;
    return [
      `\`${c} status [analysis]\` — status and counts (the latest when omitted)`,
      `\`${c} last [count]\` — the most recent analyses`,
      `\`${c} flows <analysis> [svc=ns/name] [pod=ns/name] [state=RESET]\` — top ${TOP_FLOWS} flows, with the perspective table of the first`,
      `\`${c} findings <analysis>\` — diagnoses with the next commands to run`,
      `\`${c} backends <analysis> svc=ns/name\` — observed vs expected share per backend`,
      `\`${c} help\` — this list`,
    ];
  }

  private help(ctx: ChatContext): ChatReply {
    return ephemeral(
      `natlens for project ${ctx.projectName}`,
      list(this.commandList(ctx)),
      text('An analysis is named by its id, its first characters (`3f9c2a1b`), its name, or `last`.'),
    );
  }

  /** A share link to the analysis page: opens in a browser without an API key, for SHARE_TTL_DEFAULT_SECONDS. */
  private async reportLink(ctx: ChatContext, a: Analysis): Promise<ReturnType<typeof link>> {
    return link('Full report', (await this.shares.link(ctx.publicUrl, a.id, ctx.projectId)).url);
  }

  private async status(ctx: ChatContext, ref: string | undefined): Promise<ChatReply> {
    const a = await this.resolve(ctx, ref);
    const counts = (a.counts ?? {}) as Record<string, number>;
    const summary = (a.summary ?? {}) as { flowsByState?: Record<string, number> };
    const rows: string[][] = [['status', a.status]];
    if (a.status === 'RUNNING' || a.status === 'QUEUED')
      rows.push(['stage', `${a.stage ?? 'waiting'} (${a.progress}%)`]);
    for (const key of ['captures', 'snapshots', 'packets', 'flows', 'translations', 'findings', 'errors'])
      if (counts[key] !== undefined) rows.push([key, String(counts[key])]);
    if (summary.flowsByState && Object.keys(summary.flowsByState).length)
      rows.push([
        'flows by state',
        Object.entries(summary.flowsByState)
          .map(([s, n]) => `${n} ${s}`)
          .join(', '),
      ]);
    rows.push(['created', a.createdAt.toISOString()]);
    if (a.finishedAt) rows.push(['finished', a.finishedAt.toISOString()]);
    const sections = [table(['', ''], rows)];
    if (a.error) sections.push(text(`Error: ${a.error}`));
    if (a.status === 'SUCCEEDED') sections.push(await this.reportLink(ctx, a));
    return inChannel(`Analysis ${nameOf(a)}: ${a.status}`, ...sections);
  }

  private async last(ctx: ChatContext, count: string | undefined): Promise<ChatReply> {
    const n = count === undefined ? 5 : Number(count);
    if (!Number.isInteger(n) || n < 1 || n > 20)
      throw new UsageError(`\`last\` takes a count from 1 to 20, not \`${count}\`.`);
    const rows = await this.analyses.list(ctx.projectId, n);
    if (!rows.length) throw new UsageError(`Project ${ctx.projectName} has no analyses yet.`);
    return inChannel(
      `Last ${rows.length} ${rows.length === 1 ? 'analysis' : 'analyses'} of ${ctx.projectName}`,
      table(
        ['id', 'name', 'status', 'flows', 'findings', 'created'],
        rows.map((a) => {
          const c = (a.counts ?? {}) as Record<string, number>;
          return [
            short(a.id),
            a.name ?? '',
            a.status,
            String(c.flows ?? ''),
            String(c.findings ?? ''),
            a.createdAt.toISOString().slice(0, 16).replace('T', ' '),
          ];
        }),
      ),
    );
  }

  private report(ctx: ChatContext, a: Analysis): Promise<ReportDocument> {
    const caller: Caller = {
      projectId: ctx.projectId,
      projectName: ctx.projectName,
      keyId: 'chat',
      role: 'read',
    };
    return this.reports.report(caller, a.id);
  }

  private async flows(ctx: ChatContext, a: Analysis, options: Record<string, string>): Promise<ChatReply> {
    const state = options.state?.toUpperCase();
    const doc = await this.report(ctx, a);
    const labels = new Map(doc.analysis.captures.map((c) => [c.id, c.label]));
    const matching = doc.flows.filter(
      (f) =>
        (!options.svc || matchesService(f, options.svc)) &&
        (!options.pod || matchesPod(f.backendPod, options.pod)) &&
        (!state || f.state === state),
    );
    const filters = Object.entries(options)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    const title = `Flows of analysis ${nameOf(a)}${filters ? ` (${filters})` : ''}: ${matching.length} of ${doc.flows.length}`;
    if (!matching.length) return inChannel(title, text('No flow matches.'), await this.reportLink(ctx, a));
    const top = [...matching]
      .sort((x, y) => (STATE_RANK[x.state] ?? 9) - (STATE_RANK[y.state] ?? 9))
      .slice(0, TOP_FLOWS);
    const first = top[0];
    return inChannel(
      title,
      table(
        ['#', 'proto', 'client', 'service', 'backend', 'state', 'translations'],
        top.map((f, i) => [
          String(i + 1),
          f.protocol,
          f.client,
          f.serviceName ? `${f.serviceName} ${f.service}` : f.service,
          f.backendPod ? `${f.backendPod} ${f.backend ?? ''}`.trim() : (f.backend ?? '-'),
          f.state,
          [...new Set(f.translations.map((t) => t.kind))].join('+') || '-',
        ]),
        undefined,
        matching.length - top.length,
      ),
      table(
        ['capture', 'direction', 'stage', 'src', 'dst', 'packets'],
        first.perspectives.map((p) => [
          labels.get(p.capture) ?? p.capture,
          p.direction,
          p.stage ?? '',
          p.src,
          p.dst,
          String(p.packets),
        ]),
        `Flow 1 (${first.client} → ${first.service}) as each capture point saw it:`,
      ),
      await this.reportLink(ctx, a),
    );
  }

  private async findings(ctx: ChatContext, a: Analysis): Promise<ChatReply> {
    const doc = await this.report(ctx, a);
    const title = `Findings of analysis ${nameOf(a)}: ${doc.findings.length}`;
    if (!doc.findings.length)
      return inChannel(title, text('Nothing to report: no finding.'), await this.reportLink(ctx, a));
    const sorted = [...doc.findings].sort(
      (x, y) => (SEVERITY_RANK[x.severity] ?? 9) - (SEVERITY_RANK[y.severity] ?? 9),
    );
    const shown = sorted.slice(0, 15);
    const sections = [
      list(
        shown.map(
          (f) =>
            `${f.severity.toUpperCase()} \`${f.code}\` ${f.title}` +
            (f.flows.length ? ` (${f.flows.length} flow${f.flows.length === 1 ? '' : 's'})` : ''),
        ),
      ),
    ];
    if (sorted.length > shown.length)
      sections.push(text(`… ${sorted.length - shown.length} more in the report.`));
    const next = shown.find((f) => f.next.length);
    if (next)
      sections.push(
        table(
          ['next commands'],
          next.next.slice(0, 5).map((c) => [c]),
          `Next for \`${next.code}\`:`,
        ),
      );
    sections.push(await this.reportLink(ctx, a));
    return inChannel(title, ...sections);
  }

  private async backends(ctx: ChatContext, a: Analysis, svc: string): Promise<ChatReply> {
    const doc = await this.report(ctx, a);
    const services = doc.services.filter(
      (s) =>
        s.key === svc ||
        s.serviceName === svc ||
        s.serviceName?.startsWith(`${svc}:`) ||
        s.addresses.includes(svc),
    );
    if (!services.length) {
      const known = doc.services.map((s) => `\`${s.key}\``).slice(0, 10);
      throw new UsageError(
        `No flows to service \`${svc}\` in analysis ${nameOf(a)}.` +
          (known.length ? ` Services seen: ${known.join(', ')}.` : ''),
      );
    }
    const expected = await this.expectedShares(a).catch((error: unknown) => {
      this.logger.warn(`expected shares of ${a.id}: ${(error as Error).message}`);
      return new Map<string, Map<string, number>>();
    });
    const sections = services.map((s) => {
      const want = s.serviceName ? expected.get(s.serviceName) : undefined;
      const rows = s.backends.map((b) => [
        b.backendPod ?? '',
        b.backend ?? '(no backend)',
        String(b.connections),
        percent(b.share),
        want && b.backend ? percent(want.get(b.backend) ?? 0) : '?',
        Object.entries(b.states)
          .map(([st, n]) => `${n} ${st}`)
          .join(', '),
      ]);
      for (const [backend, share] of want ?? [])
        if (!s.backends.some((b) => b.backend === backend))
          rows.push(['', backend, '0', '0%', percent(share), '']);
      const total = s.backends.reduce((sum, b) => sum + b.connections, 0);
      return table(
        ['pod', 'backend', 'connections', 'observed', 'expected', 'states'],
        rows,
        `${s.key} (${s.addresses.join(', ')}): ${total} connection${total === 1 ? '' : 's'}`,
      );
    });
    if (!expected.size)
      sections.push(
        text('Expected shares need a kubectl snapshot (EndpointSlices) in the analysis: `?` without one.'),
      );
    return inChannel(
      `Backends of ${svc} in analysis ${nameOf(a)}`,
      ...sections,
      await this.reportLink(ctx, a),
    );
  }

  /** Per service name (`ns/name:port`), each usable endpoint's expected share from the snapshots. */
  private async expectedShares(a: Analysis): Promise<Map<string, Map<string, number>>> {
    const full = await this.analyses.findById(a.id);
    const snapshots = await this.snapshots.findMany(full?.snapshots.map((s) => s.snapshotId) ?? []);
    const out = new Map<string, Map<string, number>>();
    if (!snapshots.length) return out;
    const model = buildDataplaneModel(snapshots.map((s) => s.parsed as unknown as ParsedSnapshot));
    for (const f of model.frontends) {
      if (!f.service || !f.expectedShares.length || out.has(f.service)) continue;
      out.set(f.service, new Map(f.expectedShares.map((e) => [hostPort(e.ip, e.port), e.share])));
    }
    return out;
  }
}

function hostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

function matchesService(f: ReportFlow, svc: string): boolean {
  return f.serviceName === svc || !!f.serviceName?.startsWith(`${svc}:`) || f.service === svc;
}

function matchesPod(pod: string | null, wanted: string): boolean {
  if (!pod) return false;
  return pod === wanted || pod.endsWith(`/${wanted}`);
}
