/**
 * Natural batching (the DataLoader pattern, without its wait): at most `inFlight` runs at once;
 * items that arrive while they are in flight wait and go together, up to `max`, in the next
 * run. An idle caller's item goes at once, so batching adds no latency there; under load one
 * statement serves many requests. `run` answers each item in order; if it throws, every item
 * of that run gets the error.
 */
export function naturalBatcher<I, O>(run: (items: I[]) => Promise<O[]>, opts: { inFlight: number; max: number }) {
  const waiting: { item: I; resolve: (o: O) => void; reject: (err: unknown) => void }[] = [];
  let inFlight = 0;
  const send = () => {
    while (inFlight < opts.inFlight && waiting.length > 0) {
      const batch = waiting.splice(0, opts.max);
      inFlight++;
      run(batch.map((w) => w.item))
        .then(
          (out) => {
            for (const [i, w] of batch.entries()) w.resolve(out[i]!);
          },
          (err) => {
            for (const w of batch) w.reject(err);
          },
        )
        .finally(() => {
          inFlight--;
          send();
        });
    }
  };
  return (item: I): Promise<O> =>
    new Promise<O>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      send();
    });
}
