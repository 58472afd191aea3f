import { Module } from '@nestjs/common';
import { AnalysesService } from '../analyses/analyses.service.js';
import { AnalysisQueue } from '../analyses/analysis-queue.js';
import { ReportService } from '../analyses/report.service.js';
import { ChatSettingsController } from './chat-settings.controller.js';
import { ChatopsController } from './chatops.controller.js';
import { ChatCommandsService } from './commands.service.js';

/** Slack and Mattermost slash commands, and the REST routes that configure them. */
@Module({
  controllers: [ChatSettingsController, ChatopsController],
  providers: [ChatCommandsService, ReportService, AnalysesService, AnalysisQueue],
})
export class ChatopsModule {}
