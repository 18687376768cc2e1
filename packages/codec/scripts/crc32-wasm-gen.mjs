// Generates the bytes embedded in src/crc32-wasm.ts (CRC-32 slice-by-16, hand-assembled WebAssembly; no
// toolchain needed). `node scripts/crc32-wasm-gen.mjs print` prints them; test/crc32.test.ts checks they match.

const uleb = (n) => {
  const o = []
  do {
    let b = n & 0x7f
    n >>>= 7
    if (n) b |= 0x80
    o.push(b)
  } while (n)
  return o
}
const sleb = (n) => {
  const o = []
  for (;;) {
    const b = n & 0x7f
    n >>= 7
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) {
      o.push(b)
      return o
    }
    o.push(b | 0x80)
  }
}
const get = (i) => [0x20, i],
  set = (i) => [0x21, i]
const c32 = (n) => [0x41, ...sleb(n)]
const XOR = 0x73,
  AND = 0x71,
  SHL = 0x74,
  SHRU = 0x76,
  ADD = 0x6a,
  GEU = 0x4f
const load = (off) => [0x28, 2, ...uleb(off)]
const load8 = (off) => [0x2d, 0, ...uleb(off)]
// params: 0 p, 1 n, 2 c ; locals: 3 end16, 4 end, 5 a, 6 b, 7 x, 8 d
const P = 0,
  N = 1,
  C = 2,
  E16 = 3,
  E = 4,
  W = [5, 6, 7, 8]
const lookup = (w, k, T) => {
  const addr =
    k === 0
      ? [...get(w), ...c32(2), SHL, ...c32(0x3fc), AND]
      : k === 3
        ? [...get(w), ...c32(22), SHRU, ...c32(0x3fc), AND]
        : [...get(w), ...c32(8 * k - 2), SHRU, ...c32(0x3fc), AND]
  return [...addr, ...load(T * 1024)]
}
const code = [
  ...get(C),
  ...c32(-1),
  XOR,
  ...set(C),
  ...get(P),
  ...get(N),
  ADD,
  ...set(E),
  ...get(P),
  ...get(N),
  ...c32(-16),
  AND,
  ADD,
  ...set(E16),
  0x02,
  0x40,
  0x03,
  0x40,
  ...get(P),
  ...get(E16),
  GEU,
  0x0d,
  1,
  ...get(P),
  ...load(0),
  ...get(C),
  XOR,
  ...set(W[0]),
  ...get(P),
  ...load(4),
  ...set(W[1]),
  ...get(P),
  ...load(8),
  ...set(W[2]),
  ...get(P),
  ...load(12),
  ...set(W[3]),
]
let first = true
for (let j = 0; j < 4; j++)
  for (let k = 0; k < 4; k++) {
    code.push(...lookup(W[j], k, 15 - (j * 4 + k)))
    if (!first) code.push(XOR)
    first = false
  }
code.push(...set(C), ...get(P), ...c32(16), ADD, ...set(P), 0x0c, 0, 0x0b, 0x0b)
code.push(
  0x02,
  0x40,
  0x03,
  0x40,
  ...get(P),
  ...get(E),
  GEU,
  0x0d,
  1,
  ...get(C),
  ...get(P),
  ...load8(0),
  XOR,
  ...c32(255),
  AND,
  ...c32(2),
  SHL,
  ...load(0),
  ...get(C),
  ...c32(8),
  SHRU,
  XOR,
  ...set(C),
  ...get(P),
  ...c32(1),
  ADD,
  ...set(P),
  0x0c,
  0,
  0x0b,
  0x0b,
  ...get(C),
  ...c32(-1),
  XOR,
  0x0b,
)
const body = [1, 6, 0x7f, ...code]
const section = (id, bytes) => [id, ...uleb(bytes.length), ...bytes]
const mod = [
  0x00,
  0x61,
  0x73,
  0x6d,
  1,
  0,
  0,
  0,
  ...section(1, [1, 0x60, 3, 0x7f, 0x7f, 0x7f, 1, 0x7f]),
  ...section(3, [1, 0]),
  ...section(5, [1, 0, 1]),
  ...section(7, [2, 1, 0x63, 0, 0, 1, 0x6d, 2, 0]),
  ...section(10, [1, ...uleb(body.length), ...body]),
]
export const WASM = Uint8Array.from(mod)
if (process.argv[2] === 'print') console.log(WASM.length, Buffer.from(WASM).toString('base64'))
