// Numbered messages for the resume tests: a body that carries its number twice, so a corrupted or merged
// delivery throws instead of passing as another number.
import { MessageType } from '../../src/index.js'

export const NUM = new MessageType(200, 'num')
export const ASK = new MessageType(201, 'ask')

export const body = (n: number): string => `${n}:${String(n).repeat(4)}`
export function parse(text: string): number {
  const [head, tail] = text.split(':')
  const n = Number(head)
  if (!Number.isInteger(n) || tail !== String(n).repeat(4)) throw new Error(`corrupted delivery: ${text}`)
  return n
}
export const seq = (n: number): number[] => Array.from({ length: n }, (_, i) => i)
