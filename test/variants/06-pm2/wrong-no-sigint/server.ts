// Wrong: nothing handles SIGINT, so pm2 reload kills each old instance mid-request.
// fails: on SIGINT server.ts
import express from 'express';

const app = express();

app.get('/', (_req, res) => {
  res.json({ pid: process.pid });
});

const port = Number(process.env.PORT ?? 3000); // Don't change this line: the check picks the port.
app.listen(port, '127.0.0.1', (err) => {
  // Express 5 hands a listen error (EADDRINUSE) to this callback instead of throwing it.
  if (err) throw err;
  console.log(`pid ${process.pid} listening on http://127.0.0.1:${port}`);
});
