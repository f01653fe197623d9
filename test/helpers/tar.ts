/** Tar archives for tests of code that reads them (Comprehend's output.tar.gz). */

/** A tar archive as GNU tar, bsdtar or Python write one: ustar headers, optionally a pax path or a GNU long name. */
export function tarOf(files: { name: string; data: Buffer | string; kind?: "plain" | "pax" | "gnu" }[], extra: { directory?: string } = {}): Buffer {
  const blocks: Buffer[] = [];
  const header = (name: string, size: number, type: string) => {
    const h = Buffer.alloc(512);
    h.write(name.slice(0, 99), 0, "utf8");
    h.write("0000644\0", 100);
    h.write("0000000\0", 108);
    h.write("0000000\0", 116);
    h.write(`${size.toString(8).padStart(11, "0")}\0`, 124);
    h.write(
      `${Math.floor(Date.UTC(2026, 0, 1) / 1000)
        .toString(8)
        .padStart(11, "0")}\0`,
      136,
    );
    h.write(type, 156);
    h.write("ustar\0", 257);
    h.write("00", 263);
    h.fill(0x20, 148, 156);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
    return h;
  };
  const body = (data: Buffer) => [data, Buffer.alloc((512 - (data.length % 512)) % 512)];
  if (extra.directory) blocks.push(header(extra.directory, 0, "5"));
  for (const f of files) {
    const data = Buffer.isBuffer(f.data) ? f.data : Buffer.from(f.data);
    if (f.kind === "pax") {
      const record = (k: string, v: string) => {
        const base = ` ${k}=${v}\n`;
        let n = base.length + 2;
        while (`${n}${base}`.length !== n) n = `${n}${base}`.length;
        return `${n}${base}`;
      };
      const pax = Buffer.from(record("path", f.name) + record("mtime", "1767225600"));
      blocks.push(header("PaxHeader/x", pax.length, "x"), ...body(pax), header("cut-name", data.length, "0"));
    } else if (f.kind === "gnu") {
      const long = Buffer.from(`${f.name}\0`);
      blocks.push(header("././@LongLink", long.length, "L"), ...body(long), header("cut-name", data.length, "0"));
    } else {
      blocks.push(header(f.name, data.length, "0"));
    }
    blocks.push(...body(data));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}
