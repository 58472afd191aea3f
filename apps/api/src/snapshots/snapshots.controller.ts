import { Controller, Delete, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiConsumes, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { Snapshot } from '#persistence';
import { CurrentCaller, RequireRole, type Caller } from '../auth/auth.guard.js';
import { RateLimit } from '../common/rate-limit.guard.js';
import { uuidParam } from '../common/validate.js';
import { SnapshotsService } from './snapshots.service.js';

function snapshotView(s: Omit<Snapshot, 'raw' | 'parsed'>) {
  return {
    id: s.id,
    kind: s.kind,
    node: s.node,
    fileName: s.fileName,
    sha256: s.sha256,
    size: Number(s.sizeBytes),
    skipped: s.skipped,
    createdAt: s.createdAt.toISOString(),
    links: { self: `/v1/snapshots/${s.id}` },
  };
}

@ApiTags('snapshots')
@ApiBearerAuth()
@Controller('v1/snapshots')
export class SnapshotsController {
  constructor(private readonly snapshots: SnapshotsService) {}

  @Post()
  @RateLimit('uploads')
  @RequireRole('write')
  @ApiOperation({
    summary:
      'Upload cluster state: kubectl JSON/YAML, ipvsadm, iptables-save, nft, ip addr/route, conntrack, kube-proxy ConfigMap (kind auto-detected)',
  })
  @ApiConsumes('multipart/form-data', 'text/plain')
  @ApiQuery({ name: 'kind', required: false })
  @ApiQuery({ name: 'node', required: false })
  @ApiQuery({ name: 'name', required: false })
  async upload(
    @CurrentCaller() caller: Caller,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { snapshot, created } = await this.snapshots.upload(caller, req);
    res.status(created ? 201 : 200);
    return snapshotView(snapshot);
  }

  @Get()
  async list(@CurrentCaller() caller: Caller) {
    return { snapshots: (await this.snapshots.list(caller)).map(snapshotView) };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One snapshot with its parsed form' })
  async get(@CurrentCaller() caller: Caller, @Param('id') id: string) {
    const snapshot = await this.snapshots.get(caller, uuidParam(id, 'snapshot'));
    return { ...snapshotView(snapshot), parsed: snapshot.parsed };
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireRole('write')
  async delete(@CurrentCaller() caller: Caller, @Param('id') id: string): Promise<void> {
    await this.snapshots.delete(caller, uuidParam(id, 'snapshot'));
  }
}
