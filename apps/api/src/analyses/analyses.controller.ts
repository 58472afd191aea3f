import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Config } from '#config';
import { CONFIG, SHARE_TTL_DEFAULT_SECONDS, SHARE_TTL_MAX_SECONDS, ShareLinks } from '#platform';
import { REPORT_CONTENT_TYPES, REPORT_FORMATS, type ReportFormat } from '#report';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { AllowShare, CurrentCaller, RequireRole, type Caller } from '../auth/auth.guard.js';
import { RateLimit } from '../common/rate-limit.guard.js';
import { publicUrl } from '../common/public-url.js';
import { boundedInt, optionalString, uuidList, uuidParam } from '../common/validate.js';
import { AnalysesService } from './analyses.service.js';
import { analysisView } from './analysis.view.js';
import { ReportService } from './report.service.js';

@ApiTags('analyses')
@ApiBearerAuth()
@Controller('v1/analyses')
export class AnalysesController {
  constructor(
    private readonly analyses: AnalysesService,
    private readonly reports: ReportService,
    private readonly shares: ShareLinks,
    @Inject(CONFIG) private readonly config: Config,
  ) {}

  @Post()
  @RateLimit('analyses')
  @HttpCode(201)
  @RequireRole('write')
  @ApiOperation({ summary: 'Start an analysis of captures and snapshots; ?wait=N blocks up to N s' })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['captures'],
      properties: {
        captures: { type: 'array', items: { type: 'string', format: 'uuid' } },
        snapshots: { type: 'array', items: { type: 'string', format: 'uuid' } },
        name: { type: 'string' },
      },
    },
  })
  @ApiQuery({ name: 'wait', required: false, description: 'seconds to wait for the result (max 300)' })
  async create(
    @CurrentCaller() caller: Caller,
    @Body() body: Record<string, unknown> | undefined,
    @Query('wait') wait?: string,
  ) {
    const input = {
      captures: uuidList(body?.captures, 'captures', { required: true }),
      snapshots: uuidList(body?.snapshots, 'snapshots'),
      name: optionalString(body?.name, 'name'),
    };
    const seconds = boundedInt(wait, 'wait', 0, 300);
    const analysis = await this.analyses.create(caller, input);
    return analysisView(seconds ? await this.analyses.waitFor(caller, analysis.id, seconds) : analysis);
  }

  @Get()
  @ApiOperation({ summary: 'The project’s analyses, newest first' })
  async list(@CurrentCaller() caller: Caller) {
    const rows = await this.analyses.list(caller);
    return { analyses: rows.map((a) => analysisView({ ...a, captures: [], snapshots: [] })) };
  }

  @Get(':id')
  @ApiOperation({ summary: 'Status, stage, progress and counts of one analysis' })
  @AllowShare()
  async get(@CurrentCaller() caller: Caller, @Param('id') id: string) {
    return analysisView(await this.analyses.get(caller, uuidParam(id, 'analysis')));
  }

  @Post(':id/rerun')
  @HttpCode(202)
  @RequireRole('write')
  @ApiOperation({ summary: 'Run a finished analysis again; its results are replaced' })
  async rerun(@CurrentCaller() caller: Caller, @Param('id') id: string) {
    return analysisView(await this.analyses.rerun(caller, uuidParam(id, 'analysis')));
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireRole('write')
  @ApiOperation({ summary: 'Delete an analysis and its results' })
  async delete(@CurrentCaller() caller: Caller, @Param('id') id: string): Promise<void> {
    await this.analyses.delete(caller, uuidParam(id, 'analysis'));
  }

  @Post(':id/share')
  @HttpCode(201)
  @RequireRole('write')
  @ApiOperation({
    summary:
      'A share link: a signed, expiring, read-only URL to the analysis page that works without an API key ' +
      '(?ttl=SECONDS, default 7 days, at most 30)',
  })
  @ApiQuery({ name: 'ttl', required: false, description: 'seconds the link stays valid (1..2592000)' })
  async share(
    @CurrentCaller() caller: Caller,
    @Param('id') id: string,
    @Req() req: Request,
    @Query('ttl') ttl?: string,
  ): Promise<{ url: string; expiresAt: string }> {
    const seconds = boundedInt(ttl, 'ttl (seconds)', 1, SHARE_TTL_MAX_SECONDS) ?? SHARE_TTL_DEFAULT_SECONDS;
    const analysis = await this.analyses.get(caller, uuidParam(id, 'analysis'));
    const link = await this.shares.link(
      publicUrl(req, this.config.publicUrl),
      analysis.id,
      caller.projectId,
      seconds,
    );
    return { url: link.url, expiresAt: link.expiresAt.toISOString() };
  }

  @Get(':id/report')
  @ApiOperation({
    summary: 'The report: perspective tables per service, translations, backends, findings (txt, md or json)',
  })
  @ApiQuery({ name: 'format', required: false, enum: ['txt', 'md', 'json'] })
  @AllowShare()
  async report(
    @CurrentCaller() caller: Caller,
    @Param('id') id: string,
    @Res({ passthrough: true }) res: Response,
    @Query('format') format = 'txt',
  ): Promise<string> {
    if (!REPORT_FORMATS.includes(format as ReportFormat))
      throw new BadRequestException({
        code: 'BAD_REQUEST',
        message: `format=${format}: expected ${REPORT_FORMATS.join(', ')}`,
      });
    const chunks: string[] = [];
    await this.reports.write(caller, uuidParam(id, 'analysis'), format as ReportFormat, {
      write: (chunk) => chunks.push(chunk),
    });
    res.setHeader('content-type', REPORT_CONTENT_TYPES[format as ReportFormat]);
    return chunks.join('');
  }
}
