import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { readFileSync } from 'node:fs';
import { Public } from '../auth/auth.guard.js';
import { webRoot } from './web-root.js';

/**
 * Everything the page may load comes from this api: scripts, the stylesheet and the GraphQL/REST
 * calls. No inline script or style, no other origin (the UI must work with no internet).
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The web UI's pages: index.html for every path the client-side router owns (the browser asks the
 * server for them on a reload or a pasted link). Its scripts and stylesheet are static files under
 * /ui/ (see main.ts). Public: the page holds no data; it asks for the key and sends it itself.
 */
@ApiExcludeController()
@Public()
@Controller()
export class WebController {
  private readonly html = readFileSync(`${webRoot()}index.html`, 'utf8');

  @Get(['/', 'analyses', 'analyses/*path'])
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-cache')
  @Header('content-security-policy', CSP)
  @Header('x-content-type-options', 'nosniff')
  @Header('referrer-policy', 'no-referrer')
  index(): string {
    return this.html;
  }
}
