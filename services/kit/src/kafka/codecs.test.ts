import { describe, expect, it } from 'vitest';
import { CODECS } from './codecs.js';

const text = 'ecom order created '.repeat(40);
const batch = Buffer.from(text);

describe('record-batch codecs', () => {
  it.each(Object.entries(CODECS))('%s: a compressed batch decompresses to the same bytes', async (_name, codec) => {
    const compressed = await codec.compress({ buffer: batch });
    expect(compressed.length).toBeLessThan(batch.length);
    expect(Buffer.compare(await codec.decompress(compressed), batch)).toBe(0);
  });

  it('zstd: reads a frame that does not declare its size (as Java producers stream them)', async () => {
    // `zstd -c < file` from a pipe: no content size in the frame header, a content checksum.
    const frame = Buffer.from('KLUv/QRY1QAAmGVjb20gb3JkZXIgY3JlYXRlZCABAMVZNcPanajM', 'base64');
    expect(frame[4]).toBe(0x04); // frame header: no Frame_Content_Size, checksum flag set
    expect((await CODECS.zstd.decompress(frame)).toString()).toBe(text);
  });

  it('lz4: reads a frame written by the reference lz4 tool', async () => {
    const frame = Buffer.from('BCJNGGRApyAAAAD/BGVjb20gb3JkZXIgY3JlYXRlZCATAP//z1BhdGVkIAAAAADZAAZP', 'base64');
    expect((await CODECS.lz4.decompress(frame)).toString()).toBe(text);
  });

  it('snappy: reads the xerial framing that the Java client writes', async () => {
    // The kit writes raw snappy: two raw chunks framed the xerial way.
    const half = batch.length / 2;
    const parts = [batch.subarray(0, half), batch.subarray(half)];
    const chunks = await Promise.all(parts.map((part) => CODECS.snappy.compress({ buffer: part })));
    const header = Buffer.from([130, 83, 78, 65, 80, 80, 89, 0, 0, 0, 0, 1, 0, 0, 0, 1]);
    const framed = Buffer.concat([
      header,
      ...chunks.flatMap((chunk) => {
        const size = Buffer.alloc(4);
        size.writeUInt32BE(chunk.length);
        return [size, chunk];
      }),
    ]);
    expect((await CODECS.snappy.decompress(framed)).toString()).toBe(text);
  });
});
