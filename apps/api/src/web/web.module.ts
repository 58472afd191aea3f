import { Module } from '@nestjs/common';
import { WebController } from './web.controller.js';

/** The web UI (apps/web): pages at /, /analyses/..., static files at /ui/ (main.ts). */
@Module({ controllers: [WebController] })
export class WebModule {}
