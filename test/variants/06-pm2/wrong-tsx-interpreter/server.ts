// Wrong (see ecosystem.config.cjs): interpreter 'tsx' makes pm2 fall back to fork mode, silently.
// fails: in cluster mode (one per core)
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
  // Stop taking connections: pm2's primary stops handing this instance new ones (the replacement
  // takes them), and idle keep-alive sockets, which would hold close() open, are ended.
  server.close();
  server.closeIdleConnections();
  // Linger before exiting: a connection the primary handed over just before it learned of close()
  // is still on its way, and exiting at once would reset it. Well within pm2's 1.6 s.
  setTimeout(() => process.exit(0), 500);
});
