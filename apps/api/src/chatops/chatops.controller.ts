import { Controller, HttpCode, Inject, Logger, Post, Req, Res, UnauthorizedException } from '@nestjs/common';
import { ApiExcludeEndpoint } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { Config } from '#config';
import { ChatSettingsRepository, type ChatSettings, type Project } from '#persistence';
import { CONFIG } from '#platform';
import { Public } from '../auth/auth.guard.js';
import { publicUrl } from '../common/public-url.js';
import { ChatCommandsService, type ChatContext } from './commands.service.js';
import { mattermostMessage, slackMessage } from './render.js';
import { ephemeral, text, type ChatReply } from './reply.js';
import { verifyMattermostToken, verifySlackSignature } from './verify.js';

type ChatRequest = Request & { rawBody?: Buffer };
type Render = (reply: ChatReply) => Record<string, unknown>;

/** How long a response_url post may take. */
const RESPONSE_URL_TIMEOUT_MS = 10_000;

function field(body: unknown, name: string): string | undefined {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : undefined;
}

function header(req: Request, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * One answer for every refusal, so callers learn nothing about which teams are configured; the
 * reason goes to the api log for whoever sets the integration up.
 */
function refuse(): UnauthorizedException {
  return new UnauthorizedException({
    code: 'UNAUTHENTICATED',
    message: 'chat request not verified (signature, timestamp, token or team); the api log says why',
  });
}

/**
 * Slash commands from Slack and Mattermost. Public routes: each request proves itself with the
 * project's Slack signing secret or Mattermost token (401, nothing executed, when it does not).
 * Answers come at once; long ones are acknowledged and then posted to the request's response_url,
 * well within Slack's 3 s.
 */
@Controller('v1/chatops')
export class ChatopsController {
  private readonly logger = new Logger('chatops');

  constructor(
    private readonly settings: ChatSettingsRepository,
    private readonly commands: ChatCommandsService,
    @Inject(CONFIG) private readonly config: Config,
  ) {}

  @Post('slack')
  @Public()
  @HttpCode(200)
  @ApiExcludeEndpoint()
  async slack(@Req() req: ChatRequest, @Res() res: Response): Promise<void> {
    const teamId = field(req.body, 'team_id');
    const found = teamId ? await this.settings.findByTeam(teamId) : null;
    if (!req.rawBody) {
      this.logger.warn('slack request without a form or JSON body');
      throw refuse();
    }
    if (!found?.slackSigningSecret) {
      this.logger.warn(
        `slack request for team ${teamId ?? '(none)'}: no project has this team with a signing secret`,
      );
      throw refuse();
    }
    const verdict = verifySlackSignature({
      signingSecret: found.slackSigningSecret,
      timestamp: header(req, 'x-slack-request-timestamp'),
      signature: header(req, 'x-slack-signature'),
      rawBody: req.rawBody,
    });
    if (!verdict.ok) {
      this.logger.warn(`slack request for team ${teamId}: ${verdict.reason}`);
      throw refuse();
    }
    if (field(req.body, 'ssl_check') === '1') {
      res.status(200).json({});
      return;
    }
    await this.answer(req, res, found, field(req.body, 'command') || '/natlens', slackMessage);
  }

  @Post('mattermost')
  @Public()
  @HttpCode(200)
  @ApiExcludeEndpoint()
  async mattermost(@Req() req: ChatRequest, @Res() res: Response): Promise<void> {
    const teamId = field(req.body, 'team_id');
    const found = teamId ? await this.settings.findByTeam(teamId) : null;
    const auth = header(req, 'authorization');
    const token = field(req.body, 'token') ?? (auth?.match(/^Token\s+(\S+)$/i)?.[1] || undefined);
    const verdict = found
      ? verifyMattermostToken(token, found.mattermostTokenHash)
      : ({ ok: false, reason: `team ${teamId ?? '(none)'} is not mapped to a project` } as const);
    if (!verdict.ok) {
      this.logger.warn(`mattermost request for team ${teamId ?? '(none)'}: ${verdict.reason}`);
      throw refuse();
    }
    await this.answer(req, res, found!, field(req.body, 'command') || '/natlens', mattermostMessage);
  }

  private async answer(
    req: ChatRequest,
    res: Response,
    settings: ChatSettings & { project: Project },
    command: string,
    render: Render,
  ): Promise<void> {
    const ctx: ChatContext = {
      projectId: settings.projectId,
      projectName: settings.project.name,
      publicUrl: publicUrl(req, this.config.publicUrl),
      command,
    };
    const input = field(req.body, 'text') ?? '';
    const responseUrl = field(req.body, 'response_url');
    const started = Date.now();
    try {
      const outcome = await this.commands.run(ctx, input);
      if ('reply' in outcome) {
        res.status(200).json(render(outcome.reply));
      } else if (responseUrl) {
        res.status(200).json(render(outcome.ack));
        void this.later(outcome.later, responseUrl, render, ctx, input);
      } else {
        res.status(200).json(render(await outcome.later().catch((e: unknown) => this.failed(ctx, input, e))));
      }
    } catch (error) {
      res.status(200).json(render(this.failed(ctx, input, error)));
    }
    this.logger.log(
      JSON.stringify({ chat: command, project: ctx.projectName, input, ms: Date.now() - started }),
    );
  }

  private async later(
    build: () => Promise<ChatReply>,
    responseUrl: string,
    render: Render,
    ctx: ChatContext,
    input: string,
  ): Promise<void> {
    const reply = await build().catch((error: unknown) => this.failed(ctx, input, error));
    try {
      const res = await fetch(responseUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(render(reply)),
        signal: AbortSignal.timeout(RESPONSE_URL_TIMEOUT_MS),
      });
      if (!res.ok) this.logger.warn(`response_url answered ${res.status} for "${input}"`);
      await res.body?.cancel().catch(() => undefined);
    } catch (error) {
      this.logger.warn(`response_url post for "${input}" failed: ${(error as Error).message}`);
    }
  }

  /** A bug or an outage still gets a polite, ephemeral answer (never a 500 to the chat). */
  private failed(ctx: ChatContext, input: string, error: unknown): ChatReply {
    this.logger.error(
      `chat command "${input}" in ${ctx.projectName} failed: ${(error as Error)?.stack ?? error}`,
    );
    return ephemeral(
      'Sorry, that did not work',
      text(
        `natlens could not answer \`${input || 'help'}\` just now; the server log has details. Try again shortly.`,
      ),
    );
  }
}
