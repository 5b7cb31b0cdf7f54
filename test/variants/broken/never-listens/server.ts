// broken: builds the app but never calls listen; stays alive.
import express from 'express';

const app = express();
app.get('/', (_req, res) => {
  res.json({ pid: process.pid });
});
setInterval(() => {}, 1000);
console.log('ready (but not listening)');
