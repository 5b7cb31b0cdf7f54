// broken: throws before it listens.
import express from 'express';

const app = express();
const config = JSON.parse('{ not json') as { port: number };
app.listen(config.port, '127.0.0.1');
