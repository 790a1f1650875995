import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import type { AppConfig } from '../../config/app-config';

/** Query parameters that prove something (a WeCom code, our state, a callback signature): never logged. */
const SECRET_QUERY = ['code', 'state', 'echostr', 'msg_signature', 'token', 'access_token', 'corpsecret', 'user_ticket', 'ticket'];
const PINO_LEVEL = { error: 'error', warn: 'warn', log: 'info', debug: 'debug', verbose: 'trace' } as const;
/** A request id a caller (or a proxy) sent is kept if it looks like one, so logs correlate across services. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** The path and query of a request URL with secret parameters masked. */
export function redactRequestUrl(url: string | undefined): string {
  if (!url) return '';
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  for (const key of [...params.keys()]) if (SECRET_QUERY.includes(key.toLowerCase())) params.set(key, '***');
  return `${url.slice(0, q)}?${params}`;
}

/**
 * One JSON line per request (or a coloured line with LOG_FORMAT=pretty): method, path with secrets
 * masked, status, duration and a request id, which is also answered in `X-Request-Id`, written into
 * the login audit and the error envelope, and carried by every log line made while serving it.
 * Headers and bodies are never logged (they carry tokens and secrets).
 */
export function pinoOptions(config: AppConfig): Params {
  return {
    pinoHttp: {
      level: PINO_LEVEL[config.app.logLevel],
      genReqId: (req: IncomingMessage, res: ServerResponse) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      quietReqLogger: true,
      customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
      // Probes call these every few seconds: only their failures are worth a line.
      autoLogging: { ignore: (req) => (req.url === '/health/live' || req.url === '/health/ready') && !req.headers.authorization },
      serializers: {
        req: (req: IncomingMessage & { id?: string; remoteAddress?: string; raw?: IncomingMessage }) => ({
          id: req.id,
          method: req.method,
          url: redactRequestUrl(req.url),
          remoteAddress: req.remoteAddress,
        }),
        res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
      },
      transport:
        config.app.logFormat === 'pretty'
          ? { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } }
          : undefined,
    },
  };
}
