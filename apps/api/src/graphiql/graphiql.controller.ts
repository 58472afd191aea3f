import { readFile } from 'node:fs/promises';
import { Controller, Get, Next, NotFoundException, Param, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import { Public } from '../auth/auth.guard.js';

/** The bundle scripts/build-graphiql.mjs writes next to this module in dist/. */
const ASSETS = new URL('./assets/', import.meta.url);
const ASSET_TYPES: Record<string, string> = {
  'graphiql.js': 'text/javascript; charset=utf-8',
  'graphiql.css': 'text/css; charset=utf-8',
};

/**
 * Nothing but this origin: GraphiQL's scripts, styles and fonts are all in the bundle, and queries go
 * back to /graphql. Inline styles stay allowed (GraphiQL sizes its panes with them).
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

// Relative asset URLs, so the page also works behind a proxy that mounts natlens under a path.
const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="referrer" content="no-referrer" />
    <title>natlens GraphQL</title>
    <link rel="stylesheet" href="graphiql/graphiql.css" />
  </head>
  <body>
    <div id="natlens-graphiql"><noscript>GraphiQL needs JavaScript; curl works too, see the README.</noscript></div>
    <script src="graphiql/graphiql.js"></script>
  </body>
</html>
`;

/** True for a browser opening /graphql (HTML before JSON), not for a GET query or a client asking JSON. */
function wantsPage(req: Request): boolean {
  if (req.query.query !== undefined) return false;
  return req.accepts(['application/json', 'application/graphql-response+json', 'text/html']) === 'text/html';
}

/**
 * GraphiQL at GET /graphql for browsers (everything else goes on to Apollo), and its two assets at
 * /graphiql/graphiql.{js,css}. Public: the page holds no data; queries carry the pasted API key.
 */
@ApiExcludeController()
@Public()
@Controller()
export class GraphiqlController {
  private readonly cache = new Map<string, Promise<Buffer>>();

  @Get('graphql')
  page(@Req() req: Request, @Res() res: Response, @Next() next: NextFunction): void {
    if (!wantsPage(req)) return next();
    res.setHeader('content-security-policy', CONTENT_SECURITY_POLICY);
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('cache-control', 'no-cache');
    res.type('html').send(PAGE);
  }

  @Get('graphiql/:file')
  async asset(@Param('file') file: string, @Res() res: Response): Promise<void> {
    const type = ASSET_TYPES[file];
    if (!type) throw new NotFoundException({ code: 'NOT_FOUND', message: `no GraphiQL asset ${file}` });
    let body = this.cache.get(file);
    if (!body) {
      body = readFile(new URL(file, ASSETS));
      this.cache.set(file, body);
    }
    try {
      const bytes = await body;
      res.setHeader('content-type', type);
      res.setHeader('x-content-type-options', 'nosniff');
      res.setHeader('cache-control', 'no-cache');
      res.send(bytes);
    } catch {
      this.cache.delete(file);
      throw new NotFoundException({
        code: 'NOT_FOUND',
        message: `GraphiQL asset ${file} is not built: run npm run build (scripts/build-graphiql.mjs)`,
      });
    }
  }
}
