// Wrong: lingers 2 s, past pm2's kill_timeout (1.6 s): every reload ends it with SIGKILL.
// fails: on SIGINT server.ts
import express from 'express';

const app = express();

app.get('/', (_req, res) => {
  res.json({ pid: process.pid });
});

const port = Number(process.env.PORT ?? 3000); // Don't change this line: the check picks the port.
const server = app.listen(port, '127.0.0.1', (err) => {
  // Express 5 hands a listen error (EADDRINUSE) to this callback instead of throwing it.
  if (err) throw err;
  console.log(`pid ${process.pid} listening on http://127.0.0.1:${port}`);
});

// pm2 stops an instance (reload, restart, stop, delete) with SIGINT, and SIGKILLs it 1.6 s later.
process.on('SIGINT', () => {
  server.close();
  setTimeout(() => process.exit(0), 2000);
});
