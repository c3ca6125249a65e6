/**
 * Serves the admin console (console/, built by `npm run build:console` into console/dist) at
 * /console: its files with their content types, and index.html for every other /console/* path so
 * the console's own routes (/console/orders/ord_...) survive a reload. No API key is needed for
 * these files: the console asks for one and sends it with each API call.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

// Everything the console loads comes from this server; the API is called on the same origin.
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Opsline console not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; line-height: 1.5">
<h1>The Opsline console is not built</h1>
<p>Build it once with <code>npm run build:console</code> (<code>npm install</code> does it for you),
then reload this page. The API itself works: see <a href="/docs">/docs</a>.</p>
</body></html>`;

/** console/dist of this checkout, whether this file runs from src/ or from a compiled copy. */
export function consoleDistDirectory(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.resolve(here, '../console/dist'), path.resolve(here, '../../console/dist')];
  return candidates.find((dir) => existsSync(path.join(dir, 'index.html'))) ?? candidates[0];
}

export async function registerConsole(app: FastifyInstance, distDirectory = consoleDistDirectory()): Promise<void> {
  const root = path.resolve(distDirectory);

  async function sendIndex(reply: FastifyReply): Promise<FastifyReply> {
    let html: Buffer;
    try {
      html = await readFile(path.join(root, 'index.html'));
    } catch {
      return reply.code(404).type(CONTENT_TYPES['.html']).header('cache-control', 'no-store').send(NOT_BUILT_PAGE);
    }
    return reply
      .type(CONTENT_TYPES['.html'])
      .header('cache-control', 'no-cache')
      .header('content-security-policy', CONTENT_SECURITY_POLICY)
      .header('x-content-type-options', 'nosniff')
      .send(html);
  }

  app.get('/console', { schema: { hide: true } }, async (_request, reply) => sendIndex(reply));
  app.get<{ Params: { '*': string } }>('/console/*', { schema: { hide: true } }, async (request, reply) => {
    const wanted = request.params['*'] ?? '';
    const file = path.resolve(root, wanted);
    const extension = path.extname(file);
    // A path with a known file extension is a file (or a 404); anything else is a console screen.
    if (!wanted || !extension || !CONTENT_TYPES[extension]) return sendIndex(reply);
    if (!file.startsWith(root + path.sep)) return reply.callNotFound();
    let content: Buffer;
    try {
      content = await readFile(file);
    } catch {
      return reply.callNotFound();
    }
    // Vite names built assets by their content hash, so they never change under the same name.
    const immutable = wanted.startsWith('assets/');
    return reply
      .type(CONTENT_TYPES[extension])
      .header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .send(content);
  });
}
