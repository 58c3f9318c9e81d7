// Draws the app icons as PNG files with nothing but Node's zlib, so the PWA icons are
// reproducible from source without an image toolchain. Run: node scripts/make-icons.mjs
import { deflateSync } from 'node:zlib';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** @type {[number, number, number]} */
const BACKGROUND = [0x2f, 0x5d, 0x50];
/** @type {[number, number, number]} */
const FOREGROUND = [0xff, 0xff, 0xff];
const SAMPLES = 4;

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
	let c = n;
	for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
	return c >>> 0;
});

/** @param {Uint8Array} bytes */
function crc32(bytes) {
	let c = 0xffffffff;
	for (const byte of bytes) c = /** @type {number} */ (CRC_TABLE[(c ^ byte) & 0xff]) ^ (c >>> 8);
	return (c ^ 0xffffffff) >>> 0;
}

/**
 * @param {string} type
 * @param {Buffer} data
 */
function chunk(type, data) {
	const length = Buffer.alloc(4);
	length.writeUInt32BE(data.length);
	const typeAndData = Buffer.concat([Buffer.from(type, 'ascii'), data]);
	const crc = Buffer.alloc(4);
	crc.writeUInt32BE(crc32(typeAndData));
	return Buffer.concat([length, typeAndData, crc]);
}

/**
 * Encodes straight (non-premultiplied) RGBA pixels as a PNG file.
 * @param {number} size
 * @param {Buffer} rgba
 */
function encodePng(size, rgba) {
	const header = Buffer.alloc(13);
	header.writeUInt32BE(size, 0);
	header.writeUInt32BE(size, 4);
	header[8] = 8; // bit depth
	header[9] = 6; // colour type RGBA
	const rows = Buffer.alloc(size * (size * 4 + 1));
	for (let y = 0; y < size; y++) {
		rows[y * (size * 4 + 1)] = 0; // filter: none
		rgba.copy(rows, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
	}
	return Buffer.concat([
		Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
		chunk('IHDR', header),
		chunk('IDAT', deflateSync(rows, { level: 9 })),
		chunk('IEND', Buffer.alloc(0))
	]);
}

/**
 * Three members sitting around a shared centre, joined by the lines of a triangle.
 * Coordinates are in a unit square; `scale` shrinks the motif so a maskable icon keeps it
 * inside the safe zone (the central circle of 80% diameter).
 * @param {number} scale
 * @returns {(x: number, y: number) => boolean}
 */
function motif(scale) {
	/** @type {(x: number, y: number) => [number, number]} */
	const at = (x, y) => [0.5 + (x - 0.5) * scale, 0.5 + (y - 0.5) * scale];
	/** @type {[number, number][]} */
	const seats = [at(0.5, 0.27), at(0.27, 0.67), at(0.73, 0.67)];
	const radius = 0.105 * scale;
	const stroke = 0.035 * scale;
	return (x, y) => {
		if (seats.some(([cx, cy]) => (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2)) return true;
		for (let i = 0; i < 3; i++) {
			const [ax, ay] = /** @type {[number, number]} */ (seats[i]);
			const [bx, by] = /** @type {[number, number]} */ (seats[(i + 1) % 3]);
			const t = Math.max(
				0,
				Math.min(
					1,
					((x - ax) * (bx - ax) + (y - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2)
				)
			);
			const distanceSquared = (x - (ax + t * (bx - ax))) ** 2 + (y - (ay + t * (by - ay))) ** 2;
			if (distanceSquared <= (stroke / 2) ** 2) return true;
		}
		return false;
	};
}

/**
 * @param {number} x
 * @param {number} y
 * @param {number} cornerRadius
 */
function insideRoundedSquare(x, y, cornerRadius) {
	const dx = Math.max(cornerRadius - x, 0, x - (1 - cornerRadius));
	const dy = Math.max(cornerRadius - y, 0, y - (1 - cornerRadius));
	return dx * dx + dy * dy <= cornerRadius * cornerRadius;
}

/**
 * Renders one icon with SAMPLES² supersampling per pixel for smooth edges.
 * @param {number} size
 * @param {{ maskable: boolean }} options
 */
function draw(size, { maskable }) {
	const isForeground = motif(maskable ? 0.85 : 1);
	const cornerRadius = maskable ? 0 : 0.22;
	const rgba = Buffer.alloc(size * size * 4);
	for (let py = 0; py < size; py++) {
		for (let px = 0; px < size; px++) {
			let covered = 0;
			let foreground = 0;
			for (let sy = 0; sy < SAMPLES; sy++) {
				for (let sx = 0; sx < SAMPLES; sx++) {
					const x = (px + (sx + 0.5) / SAMPLES) / size;
					const y = (py + (sy + 0.5) / SAMPLES) / size;
					if (!insideRoundedSquare(x, y, cornerRadius)) continue;
					covered++;
					if (isForeground(x, y)) foreground++;
				}
			}
			const i = (py * size + px) * 4;
			const mix = covered ? foreground / covered : 0;
			BACKGROUND.forEach((background, c) => {
				rgba[i + c] = Math.round(background * (1 - mix) + (FOREGROUND[c] ?? 0) * mix);
			});
			rgba[i + 3] = Math.round((255 * covered) / SAMPLES ** 2);
		}
	}
	return encodePng(size, rgba);
}

const outDir = fileURLToPath(new URL('../static/icons/', import.meta.url));
mkdirSync(outDir, { recursive: true });
/** @type {[string, number, boolean][]} */
const icons = [
	['icon-192.png', 192, false],
	['icon-512.png', 512, false],
	['maskable-192.png', 192, true],
	['maskable-512.png', 512, true],
	// iOS draws its own rounded corners and shows transparency as black, so it gets the full bleed.
	['apple-touch-icon.png', 180, true]
];
for (const [name, size, maskable] of icons) {
	writeFileSync(outDir + name, draw(size, { maskable }));
}
console.log(`wrote ${icons.length} icons to ${outDir}`);
