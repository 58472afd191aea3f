import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';

/** The one error shape of the REST API: `{ "error": { "code", "message" } }`. */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/** Every REST error, thrown by us, by Nest or by a bug, leaves as the same JSON shape. */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(exception: unknown, host: ArgumentsHost): unknown {
    // GraphQL formats its own errors; let Apollo see the exception.
    if (host.getType<string>() === 'graphql') return exception;
    const response = host.switchToHttp().getResponse<Response>();
    const { status, body } = toErrorBody(exception);
    if (status >= 500) this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    if (response.headersSent) return response.end();
    return response.status(status).json(body);
  }
}

export function toErrorBody(exception: unknown): { status: number; body: ErrorBody } {
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const raw = exception.getResponse();
    const fields = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
    const message = Array.isArray(fields.message)
      ? fields.message.join('; ')
      : typeof fields.message === 'string'
        ? fields.message
        : typeof raw === 'string'
          ? raw
          : exception.message;
    const code =
      typeof fields.code === 'string' ? fields.code : (HttpStatus[status] ?? `HTTP_${status}`).toString();
    const body: ErrorBody = { error: { code, message } };
    if (fields.details !== undefined) body.error.details = fields.details;
    return { status, body };
  }
  return {
    status: 500,
    body: {
      error: { code: 'INTERNAL_SERVER_ERROR', message: 'Internal error; the server log has details.' },
    },
  };
}
