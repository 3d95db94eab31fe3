/**
 * The least a Node.js server can do for a page request: answer every request with the same
 * bytes from memory (the board page's gzip copy and headers, as the site's cache keeps them),
 * parsing nothing but the request line and headers. The web bench loads it exactly as it loads
 * the site, on the same machine, so its p95 is what this machine allows any Node.js site at that
 * many connections: the floor under `board_p95_ms_*`.
 *
 * Usage: node --import tsx bare-server.ts PORT BODY_FILE HEADERS_JSON_FILE. Prints `ready` on
 * stdout once it listens.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';

const [port, bodyFile, headersFile] = process.argv.slice(2);
if (!port || !bodyFile || !headersFile)
  throw new Error('usage: bare-server.ts PORT BODY_FILE HEADERS_JSON_FILE');
const body = readFileSync(bodyFile);
const headers = {
  ...(JSON.parse(readFileSync(headersFile, 'utf8')) as Record<string, string>),
  'content-length': String(body.length),
};
const server = http.createServer((req, res) => {
  res.writeHead(200, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
});
server.listen(Number(port), '127.0.0.1', () => process.stdout.write('ready\n'));
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  process.exit(0);
});
