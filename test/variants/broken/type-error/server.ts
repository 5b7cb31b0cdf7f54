// broken: a type error tsx would happily run.
import express from 'express';

const app = express();
const port: number = process.env.PORT;
app.get('/', (_req, res) => {
  res.json({ pid: process.pid });
});
app.listen(port, '127.0.0.1');
