import { createServer } from 'node:http';

// Context: node:http answering 204 once the body is read, no framework at all.
createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(204);
    res.end();
  });
}).listen(Number(process.env['PORT']), '127.0.0.1', () => process.stderr.write('ready\n'));
