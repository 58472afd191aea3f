import { Controller, Delete, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiConsumes, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { CurrentCaller, RequireRole, type Caller } from '../auth/auth.guard.js';
import { RateLimit } from '../common/rate-limit.guard.js';
import { uuidParam } from '../common/validate.js';
import { captureView } from './capture.view.js';
import { CapturesService } from './captures.service.js';

@ApiTags('captures')
@ApiBearerAuth()
@Controller('v1/captures')
export class CapturesController {
  constructor(private readonly captures: CapturesService) {}

  @Post()
  @RateLimit('uploads')
  @RequireRole('write')
  @ApiOperation({
    summary: 'Upload a capture (pcap, pcapng, gzip): multipart `file` + fields, or the raw body + query',
  })
  @ApiConsumes('multipart/form-data', 'application/octet-stream')
  @ApiQuery({ name: 'role', required: false, enum: ['client', 'node', 'backend', 'other'] })
  @ApiQuery({ name: 'label', required: false })
  @ApiQuery({ name: 'node', required: false })
  @ApiQuery({ name: 'pod', required: false, description: 'namespace/name' })
  @ApiQuery({ name: 'name', required: false, description: 'file name (raw body uploads)' })
  async upload(
    @CurrentCaller() caller: Caller,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { capture, created } = await this.captures.upload(caller, req);
    res.status(created ? 201 : 200);
    return captureView(capture);
  }

  @Get()
  @ApiOperation({ summary: 'The project’s captures, newest first' })
  async list(@CurrentCaller() caller: Caller) {
    return { captures: (await this.captures.list(caller)).map(captureView) };
  }

  @Get(':id')
  async get(@CurrentCaller() caller: Caller, @Param('id') id: string) {
    return captureView(await this.captures.get(caller, uuidParam(id, 'capture')));
  }

  @Get(':id/download')
  @ApiOperation({ summary: 'The original bytes, as uploaded' })
  async download(@CurrentCaller() caller: Caller, @Param('id') id: string, @Res() res: Response) {
    const capture = await this.captures.get(caller, uuidParam(id, 'capture'));
    res.setHeader('content-type', capture.compressed ? 'application/gzip' : 'application/vnd.tcpdump.pcap');
    res.setHeader('content-length', String(capture.sizeBytes));
    res.setHeader(
      'content-disposition',
      `attachment; filename="${capture.fileName.replace(/["\\\r\n]/g, '_')}"`,
    );
    await pipeline(this.captures.open(capture), res);
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireRole('write')
  async delete(@CurrentCaller() caller: Caller, @Param('id') id: string): Promise<void> {
    await this.captures.delete(caller, uuidParam(id, 'capture'));
  }
}
