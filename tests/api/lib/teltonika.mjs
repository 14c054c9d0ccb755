// A Teltonika tag as a test drives one: the IMEI handshake, Codec 8 packets
// (CRC-16/IBM), and reading the server's bytes back (the handshake's 0x01 or
// 0x00, a packet's record count).
import net from 'node:net';

/** CRC-16/IBM (reflected 0xA001, initial 0), as Teltonika frames carry it. */
export function crc16(buf) {
	let crc = 0;
	for (const b of buf) {
		crc ^= b;
		for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
	}
	return crc;
}

/** A Codec 8 packet of one record per [atMs, lat, lon]. */
export function packet(records) {
	const recs = records.map(([at, lat, lon]) => {
		const b = Buffer.alloc(8 + 1 + 15 + 6);
		b.writeBigUInt64BE(BigInt(at), 0);
		b.writeUInt8(0, 8);
		b.writeInt32BE(Math.round(lon * 1e7), 9);
		b.writeInt32BE(Math.round(lat * 1e7), 13);
		b.writeUInt16BE(30, 17); // altitude
		b.writeUInt16BE(90, 19); // angle
		b.writeUInt8(10, 21); // satellites
		b.writeUInt16BE(5, 22); // speed
		return b; // the IO part: six zero bytes (no event, no elements)
	});
	const data = Buffer.concat([Buffer.from([0x08, records.length]), ...recs, Buffer.from([records.length])]);
	const head = Buffer.alloc(8);
	head.writeUInt32BE(data.length, 4);
	const tail = Buffer.alloc(4);
	tail.writeUInt32BE(crc16(data), 0);
	return Buffer.concat([head, data, tail]);
}

/**
 * Connect and send the IMEI: {answer (the handshake's byte, or null when the
 * server closed or said nothing within timeoutMs), read(n, ms), write(buf),
 * closed(), close()}.
 */
export async function tag(port, imei, { timeoutMs = 5000 } = {}) {
	const sock = net.connect(port, '127.0.0.1');
	let buf = Buffer.alloc(0);
	let closed = false;
	let wake = () => {};
	sock.on('data', (d) => {
		buf = Buffer.concat([buf, d]);
		wake();
	});
	sock.on('close', () => {
		closed = true;
		wake();
	});
	sock.on('error', () => {});
	await new Promise((resolve, reject) => {
		sock.once('connect', resolve);
		sock.once('error', reject);
	});
	const read = async (n, ms = 10000) => {
		const until = Date.now() + ms;
		while (buf.length < n && !closed && Date.now() < until)
			await new Promise((resolve) => {
				wake = resolve;
				setTimeout(resolve, 20);
			});
		if (buf.length < n) return null;
		const out = buf.subarray(0, n);
		buf = buf.subarray(n);
		return out;
	};
	const hs = Buffer.alloc(2 + imei.length);
	hs.writeUInt16BE(imei.length, 0);
	hs.write(imei, 2, 'ascii');
	sock.write(hs);
	const first = await read(1, timeoutMs);
	return {
		answer: first ? first[0] : null,
		read,
		write: (b) => sock.write(b),
		closed: () => closed,
		close: () => sock.destroy(),
	};
}
