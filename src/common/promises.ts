/** A promise whose failure is not reported as unhandled while nobody awaits it yet: the caller awaits it later. */
export function settledLater<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}
