import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/auth.guard.js';
import { ReadinessService } from './readiness.service.js';

@ApiTags('health')
@Public()
@Controller()
export class HealthController {
  constructor(private readonly readiness: ReadinessService) {}

  @Get('healthz')
  @ApiOperation({ summary: 'Liveness: the process is up and serving HTTP' })
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('readyz')
  @ApiOperation({ summary: 'Readiness: PostgreSQL and Redis answer; 503 names what is down' })
  async readyz(@Res({ passthrough: true }) res: Response): Promise<unknown> {
    const checks = await this.readiness.check();
    const down = checks.filter((c) => !c.ok);
    if (down.length === 0) return { status: 'ready', checks };
    res.status(HttpStatus.SERVICE_UNAVAILABLE);
    return {
      status: 'unavailable',
      error: {
        code: 'DEPENDENCY_DOWN',
        message: down.map((c) => `${c.name} is unreachable: ${c.error}`).join('; '),
      },
      checks,
    };
  }
}
