import { Module } from '@nestjs/common';
import { AnalysesModule } from '../analyses/analyses.module.js';
import { ChatSettingsController } from './chat-settings.controller.js';
import { ChatopsController } from './chatops.controller.js';
import { ChatCommandsService } from './commands.service.js';

/** Slack and Mattermost slash commands, and the REST routes that configure them. */
@Module({
  imports: [AnalysesModule],
  controllers: [ChatSettingsController, ChatopsController],
  providers: [ChatCommandsService],
})
export class ChatopsModule {}
