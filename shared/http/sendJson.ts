import type { ServerResponse } from 'node:http';

/**
 * Answers with a JSON body. Express's res.json goes through res.send
 * (freshness checks, ETag logic, charset handling) that an API answer does
 * not need; on the push path that is measurable (npm run bench). `pretty`
 * indents by two spaces, as Google's APIs answer `prettyPrint=true`.
 */
export function sendJson(res: ServerResponse, status: number, body: unknown, pretty = false): void {
  const text = pretty ? JSON.stringify(body, null, 2) : JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}
