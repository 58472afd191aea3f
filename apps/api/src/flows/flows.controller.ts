import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { AllowShare, CurrentCaller, type Caller } from '../auth/auth.guard.js';
import { uuidParam } from '../common/validate.js';
import { FlowExportService } from './flow-export.service.js';

@ApiTags('analyses')
@ApiBearerAuth()
@Controller('v1/analyses/:id/flows')
export class FlowsController {
  constructor(private readonly exports: FlowExportService) {}

  @Get(':flowId/pcapng')
  @ApiOperation({
    summary:
      'One flow as pcapng: every sighting from every capture point in reference-clock order, one interface ' +
      'per capture point, a comment on each translated packet (flowId: the flow id or its key)',
  })
  @AllowShare()
  async pcapng(
    @CurrentCaller() caller: Caller,
    @Param('id') id: string,
    @Param('flowId') flowId: string,
    @Res() res: Response,
  ): Promise<void> {
    const file = await this.exports.pcapng(caller, uuidParam(id, 'analysis'), flowId);
    const body = Buffer.concat(file.blocks);
    res.setHeader('content-type', 'application/vnd.tcpdump.pcapng');
    res.setHeader('content-length', String(body.length));
    res.setHeader('content-disposition', `attachment; filename="${file.fileName}"`);
    res.setHeader('x-natlens-packets', String(file.packets));
    res.end(body);
  }
}
