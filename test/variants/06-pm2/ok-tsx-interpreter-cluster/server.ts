// Right on Node 22.18+ (see ecosystem.config.cjs): interpreter 'tsx' with an explicit exec_mode 'cluster', which ignores it.
// fails-on-node20: distinct pids answer on PORT
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
  // takes them). Since Node 19, close() also ends idle keep-alive sockets by itself.
  server.close();
  // Linger before exiting, well within pm2's 1.6 s: requests already accepted finish, and a
  // connection the primary sent just before it learned of close() is read here and bounced back
  // (Node answers accepted: false), so the primary hands it to another instance. Exit at once and
  // that client hangs.
  setTimeout(() => process.exit(0), 500);
});
