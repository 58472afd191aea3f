import { Module } from '@nestjs/common';
import { FlowExportService } from './flow-export.service.js';
import { FlowsController } from './flows.controller.js';

/** REST for single flows: the pcapng export (GraphQL's Flow.pcapngUrl points here). */
@Module({ controllers: [FlowsController], providers: [FlowExportService] })
export class FlowsModule {}
