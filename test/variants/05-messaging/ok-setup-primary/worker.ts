// The worker side of ok-setup-primary: messages are Maps, which only 'advanced' serialisation carries.
import express from 'express';

let total = 0;
let message: string | null = null;
process.on('message', (m: Map<string, string>) => {
  const t = m.get('total');
  if (t !== undefined) total = Number(t);
  const said = m.get('message');
  if (said !== undefined) message = said;
});

const app = express();
app.get('/', (_req, res) => {
  process.send?.(new Map([['kind', 'served']]));
  res.json({ pid: process.pid });
});
app.get('/stats', (_req, res) => {
  res.json({ pid: process.pid, total });
});
app.post('/broadcast', express.json(), (req, res) => {
  process.send?.(new Map([['kind', 'broadcast'], ['message', String((req.body as { message: unknown }).message)]]));
  res.status(200).send('sent');
});
app.get('/message', (_req, res) => {
  res.json({ pid: process.pid, message });
});
app.listen(Number(process.env.PORT), '127.0.0.1');
