import { serveFunction } from './serveFunction';

// The hand-written peer's message path (bench/servers/peerFunction.js) with the store in memory, as the
// handler-overhead row beside ours: decode the envelope, parse the event, create the message once. No validation,
// no quarantine, no log line; a baseline, never deployed.
const created = new Set<string>();
serveFunction('peer', (req, res) => {
  const event = JSON.parse(Buffer.from(req.body.message.data, 'base64').toString('utf8'));
  const message = event.newMessagePayload;
  const key = `${event.conversation}/messages/${message.name.slice(message.name.lastIndexOf('/') + 1)}`;
  if (!created.has(key)) created.add(key);
  res.status(200).send({ ok: true });
});
