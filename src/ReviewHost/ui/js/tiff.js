// A label image as an uncompressed single-strip TIFF: uint16 when every label fits, else uint32.

export function encodeLabelTiff(labels, width, height) {
  let max = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] > max) max = labels[i];
  const bytes = max > 0xffff ? 4 : 2;
  const tags = [
    [256, 4, 1, width], // ImageWidth
    [257, 4, 1, height], // ImageLength
    [258, 3, 1, bytes * 8], // BitsPerSample
    [259, 3, 1, 1], // Compression: none
    [262, 3, 1, 1], // Photometric: black is zero
    [273, 4, 1, 0], // StripOffsets (set below)
    [277, 3, 1, 1], // SamplesPerPixel
    [278, 4, 1, height], // RowsPerStrip
    [279, 4, 1, width * height * bytes], // StripByteCounts
    [339, 3, 1, 1], // SampleFormat: unsigned
  ];
  const ifdOffset = 8;
  const ifdSize = 2 + tags.length * 12 + 4;
  // Pixel data starts on a 4-byte boundary so typed arrays can view it directly.
  const dataOffset = Math.ceil((ifdOffset + ifdSize) / 4) * 4;
  tags[5][3] = dataOffset;
  const buffer = new ArrayBuffer(dataOffset + width * height * bytes);
  const view = new DataView(buffer);
  view.setUint8(0, 0x49);
  view.setUint8(1, 0x49);
  view.setUint16(2, 42, true);
  view.setUint32(4, ifdOffset, true);
  view.setUint16(ifdOffset, tags.length, true);
  tags.forEach(([tag, type, count, value], k) => {
    const o = ifdOffset + 2 + k * 12;
    view.setUint16(o, tag, true);
    view.setUint16(o + 2, type, true);
    view.setUint32(o + 4, count, true);
    if (type === 3) view.setUint16(o + 8, value, true); else view.setUint32(o + 8, value, true);
  });
  view.setUint32(ifdOffset + 2 + tags.length * 12, 0, true);
  if (bytes === 2) new Uint16Array(buffer, dataOffset, labels.length).set(labels);
  else new Uint32Array(buffer, dataOffset, labels.length).set(labels);
  return new Blob([buffer], { type: 'image/tiff' });
}
