// What `node:crypto` resolves to inside the browser bundle (see tsup.browser.config.ts): the one function
// the codec's request ids draw their random start with, on the Web Crypto API.

/** A random integer in [min, max), as node:crypto's. */
export function randomInt(min: number, max: number): number {
  const r = new Uint32Array(1)
  globalThis.crypto.getRandomValues(r)
  return min + (r[0]! % (max - min))
}
