import {
  BadRequestException,
  Body,
  ConflictException,
  Controller,
  Delete,
  Get,
  HttpCode,
  Put,
} from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ChatSettingsRepository, type ChatSettings, type ChatSettingsUpdate } from '#persistence';
import { CurrentCaller, RequireRole, type Caller } from '../auth/auth.guard.js';

function invalid(message: string): never {
  throw new BadRequestException({ code: 'BAD_REQUEST', message });
}

function secretField(value: unknown, field: string): string | null | undefined {
  if (value === undefined || value === null) return value;
  if (typeof value !== 'string' || value.length < 8 || value.length > 200)
    invalid(`${field} must be a string of 8 to 200 characters, or null to remove it`);
  return value as string;
}

function teamIds(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(v)))
    invalid('teamIds must be a list of Slack workspace / Mattermost team ids (e.g. ["T0123ABCD"])');
  return [...new Set(value as string[])];
}

/** Never the secrets: only whether they are set. */
function settingsView(s: ChatSettings | null) {
  return {
    teamIds: s?.teamIds ?? [],
    slack: { signingSecretSet: !!s?.slackSigningSecret, endpoint: '/v1/chatops/slack' },
    mattermost: { tokenSet: !!s?.mattermostTokenHash, endpoint: '/v1/chatops/mattermost' },
    updatedAt: s?.updatedAt.toISOString() ?? null,
  };
}

@ApiTags('chatops')
@ApiBearerAuth()
@Controller('v1/chatops/settings')
export class ChatSettingsController {
  constructor(private readonly settings: ChatSettingsRepository) {}

  @Get()
  @RequireRole('admin')
  @ApiOperation({ summary: 'The project’s chat settings (whether the secrets are set, never the secrets)' })
  async get(@CurrentCaller() caller: Caller) {
    return settingsView(await this.settings.find(caller.projectId));
  }

  @Put()
  @RequireRole('admin')
  @ApiOperation({
    summary:
      'Set the Slack signing secret, the Mattermost slash command token and the team ids mapped to this ' +
      'project. Omitted fields are kept; null removes a secret.',
  })
  @ApiBody({
    schema: {
      type: 'object',
      properties: {
        slackSigningSecret: { type: 'string', nullable: true },
        mattermostToken: { type: 'string', nullable: true },
        teamIds: { type: 'array', items: { type: 'string' } },
      },
    },
  })
  async put(@CurrentCaller() caller: Caller, @Body() body: Record<string, unknown> | undefined) {
    const update: ChatSettingsUpdate = {
      slackSigningSecret: secretField(body?.slackSigningSecret, 'slackSigningSecret'),
      mattermostToken: secretField(body?.mattermostToken, 'mattermostToken'),
      teamIds: teamIds(body?.teamIds),
    };
    if (update.teamIds) {
      const taken = await this.settings.claimedElsewhere(caller.projectId, update.teamIds);
      if (taken.length)
        throw new ConflictException({
          code: 'CONFLICT',
          message: `team ${taken.join(', ')} is already mapped to another project; a team answers for one project`,
        });
    }
    return settingsView(await this.settings.upsert(caller.projectId, update));
  }

  @Delete()
  @HttpCode(204)
  @RequireRole('admin')
  @ApiOperation({ summary: 'Remove the chat settings: slash commands for this project stop working' })
  async delete(@CurrentCaller() caller: Caller): Promise<void> {
    await this.settings.delete(caller.projectId);
  }
}
