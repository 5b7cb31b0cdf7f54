// Wrong: interpreter 'tsx' makes pm2 fall back to fork mode, silently.
// fails: in cluster mode (one per core)
