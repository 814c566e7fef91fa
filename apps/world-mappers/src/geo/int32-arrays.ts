/** A copy of `array` `length` long: cut, or padded with zeros. The indexes' typed arrays grow by it. */
export function resizedInt32(array: Int32Array, length: number): Int32Array<ArrayBuffer> {
  const out = new Int32Array(length)
  out.set(array.subarray(0, Math.min(array.length, length)))
  return out
}
