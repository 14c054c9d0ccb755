// A Teltonika tag as a test drives one: the IMEI handshake, Codec 8 packets
// (CRC-16/IBM), and reading the server's bytes back (the handshake's 0x01 or
// 0x00, a packet's record count); Codec 12 commands the server writes, and
// the tag's responses.
import net from 'node:net';

let serial = 0;
/** A 15-digit IMEI of this run: the prefix, the process, the time, a serial. */
export function imei(prefix = '35') {
	serial++;
	return `${prefix}${String(process.pid % 100000).padStart(5, '0')}${String(Date.now() % 1e5).padStart(5, '0')}${String(serial).padStart(3, '0')}`;
}

/** CRC-16/IBM (reflected 0xA001, initial 0), as Teltonika frames carry it. */
export function crc16(buf) {
	let crc = 0;
	for (const b of buf) {
		crc ^= b;
		for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
	}
	return crc;
}

/** Four zero bytes, the data's length, the data, its CRC: a Teltonika frame. */
export function frame(data, { badCrc = false } = {}) {
	const head = Buffer.alloc(8);
	head.writeUInt32BE(data.length, 4);
	const tail = Buffer.alloc(4);
	tail.writeUInt32BE(crc16(data) ^ (badCrc ? 1 : 0), 0);
	return Buffer.concat([head, data, tail]);
}

/**
 * A record's first 24 bytes into b: the time, the priority (0) and the GPS
 * element (30 m altitude, 90 degrees, sats satellites, 5 km/h).
 */
export function gpsElement(b, at, lat, lon, sats) {
	b.writeBigUInt64BE(BigInt(at), 0);
	b.writeUInt8(0, 8);
	b.writeInt32BE(Math.round(lon * 1e7), 9);
	b.writeInt32BE(Math.round(lat * 1e7), 13);
	b.writeUInt16BE(30, 17); // altitude
	b.writeUInt16BE(90, 19); // angle
	b.writeUInt8(sats, 21); // satellites
	b.writeUInt16BE(5, 22); // speed
}

/**
 * A Codec 8 packet of one record per [atMs, lat, lon, {sats, hdop}]: 10
 * satellites unless given; with hdop, the IO element 182 (HDOP x 10); with
 * badCrc, a CRC that is wrong.
 */
export function packet(records, { badCrc = false } = {}) {
	const recs = records.map(([at, lat, lon, { sats = 10, hdop } = {}]) => {
		const io = hdop === undefined ? 0 : 3; // one 2-byte element: its id, its value
		const b = Buffer.alloc(8 + 1 + 15 + 6 + io);
		gpsElement(b, at, lat, lon, sats);
		// the IO part: the event id, the total, then the 1-, 2-, 4- and 8-byte groups
		if (hdop !== undefined) {
			b.writeUInt8(1, 25); // total
			b.writeUInt8(1, 27); // one 2-byte value
			b.writeUInt8(182, 28);
			b.writeUInt16BE(Math.round(hdop * 10), 29);
		}
		return b;
	});
	const data = Buffer.concat([Buffer.from([0x08, records.length]), ...recs, Buffer.from([records.length])]);
	return frame(data, { badCrc });
}

/**
 * A Codec 16 packet (2-byte IO ids, 1-byte counts, a generation type after
 * the event id) of one record per [atMs, lat, lon, {sats, alarm}]: with
 * alarm, the IO element 236 (alarm) = 1 as a 1-byte value.
 */
export function packet16(records) {
	const recs = records.map(([at, lat, lon, { sats = 10, alarm = false } = {}]) => {
		const io = alarm ? 3 : 0; // one 1-byte element: its 2-byte id, its value
		const b = Buffer.alloc(8 + 1 + 15 + 2 + 1 + 1 + 4 + io);
		gpsElement(b, at, lat, lon, sats);
		b.writeUInt16BE(alarm ? 236 : 0, 24); // the event's IO id
		b.writeUInt8(alarm ? 1 : 5, 26); // generation type: on entrance / on both
		b.writeUInt8(alarm ? 1 : 0, 27); // total
		b.writeUInt8(alarm ? 1 : 0, 28); // 1-byte values
		if (alarm) {
			b.writeUInt16BE(236, 29);
			b.writeUInt8(1, 31);
		}
		// the 2-, 4- and 8-byte groups: none (their counts are the last three bytes)
		return b;
	});
	const data = Buffer.concat([Buffer.from([0x10, records.length]), ...recs, Buffer.from([records.length])]);
	return frame(data);
}

/** A Codec 12 message (type 0x05 a command, 0x06 a response) carrying text. */
export function codec12(type, text) {
	const t = Buffer.from(text, 'latin1');
	const data = Buffer.alloc(1 + 1 + 1 + 4 + t.length + 1);
	data.writeUInt8(0x0c, 0);
	data.writeUInt8(1, 1);
	data.writeUInt8(type, 2);
	data.writeUInt32BE(t.length, 3);
	t.copy(data, 7);
	data.writeUInt8(1, 7 + t.length);
	return frame(data);
}

/**
 * Connect and send the IMEI: {answer (the handshake's byte, or null when the
 * server closed or said nothing within timeoutMs), read(n, ms), pending()
 * (how many bytes are unread), write(buf),
 * closed(), close()}, and, for a stream where the server may write Codec 12
 * commands between its acknowledgements: ack(ms) (the next record count, or
 * null), command(ms) (the next command's text, or null), respond(text), and
 * commands (every command read so far, in order).
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
	// After the handshake the server writes record counts (4 bytes, never
	// 0) and Codec 12 commands (four zero bytes, a length, the data, a CRC).
	const acks = [];
	const cmds = [];
	const commands = [];
	const nextMessage = async (ms) => {
		const head = await read(4, ms);
		if (!head) return false;
		const n = head.readUInt32BE(0);
		if (n !== 0) {
			acks.push(n);
			return true;
		}
		const len = await read(4, ms);
		const rest = len && (await read(len.readUInt32BE(0) + 4, ms));
		if (!rest) throw new Error('a Codec 12 frame was cut short');
		const data = rest.subarray(0, rest.length - 4);
		if (crc16(data) !== rest.readUInt32BE(rest.length - 4)) throw new Error('a Codec 12 frame with a bad CRC');
		if (data[0] !== 0x0c || data[1] !== 1 || data[2] !== 0x05 || data[data.length - 1] !== 1)
			throw new Error(`not a Codec 12 command: ${data.toString('hex')}`);
		const text = data.subarray(7, 7 + data.readUInt32BE(3)).toString('latin1');
		cmds.push(text);
		commands.push(text);
		return true;
	};
	const take = async (queue, ms) => {
		const until = Date.now() + ms;
		while (!queue.length) {
			const left = until - Date.now();
			if (left <= 0 || !(await nextMessage(left))) return null;
		}
		return queue.shift();
	};
	return {
		answer: first ? first[0] : null,
		read,
		pending: () => buf.length,
		write: (b) => sock.write(b),
		closed: () => closed,
		close: () => sock.destroy(),
		ack: (ms = 10000) => take(acks, ms),
		command: (ms = 10000) => take(cmds, ms),
		respond: (text) => sock.write(codec12(0x06, text)),
		commands,
	};
}
