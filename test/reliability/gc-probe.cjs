// Test-only preload for the reliability fuzzer (node --expose-gc --require this file): on SIGUSR2
// the server runs two full collections and prints its memory usage as one JSON line on stderr,
// so memory is compared after a GC rather than wherever the last burst of requests left it.
process.on('SIGUSR2', () => {
  global.gc();
  global.gc();
  process.stderr.write(`${JSON.stringify({ gcProbe: process.memoryUsage() })}\n`);
});
