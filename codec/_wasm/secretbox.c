/*
 * XSalsa20-Poly1305, NaCl's crypto_secretbox, for CurveZMQ's MESSAGE
 * traffic: crypto_box_easy_afternm and crypto_box_open_easy_afternm with
 * the key crypto_box_beforenm shared, in libsodium's "easy" layout (the
 * 16-byte Poly1305 tag, then the ciphertext).
 *
 * Written from the specifications: Salsa20 and XSalsa20 (Bernstein,
 * "Salsa20 specification" and "Extending the Salsa20 nonce"), Poly1305
 * (RFC 8439 section 2.5, and Bernstein's paper), and NaCl's secretbox
 * construction: the first 32 bytes of the XSalsa20 keystream are the
 * one-time Poly1305 key, the message is encrypted from keystream byte 32,
 * and the tag authenticates the ciphertext.
 *
 * Built for WebAssembly with SIMD128 (see build.ts), without libc. The
 * host writes the key and nonce at params(), the box at buffer(), and
 * calls seal() or open(): both work in place, so a frame is copied in once
 * and out once.
 *
 * Speed: Salsa20 runs four blocks at once, one block per SIMD lane, which
 * needs no shuffles inside the rounds. Poly1305 is scalar, 26-bit limbs
 * whose 32x32-bit products fit 64 bits (WebAssembly has no wider
 * multiply), and runs interleaved with the Salsa20 rounds, integer units
 * beside SIMD units: the MAC then costs little more than the cipher.
 * Short inputs take scalar Salsa20, which costs less than four lanes.
 *
 * Constant time: no branch and no memory index depends on the key, the
 * keystream, the plaintext or the tag; branches depend only on lengths and
 * on the nonce, which are public. The tag is compared without an early
 * exit. open() decrypts the whole 256-byte groups as it MACs them, and
 * zeroes them again if the tag then fails; the rest it decrypts only
 * after the tag matched. So a forged box yields no plaintext.
 */

#include <stddef.h>
#include <stdint.h>
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(name)))

typedef uint8_t u8;
typedef uint32_t u32;
typedef uint64_t u64;

/* WebAssembly is little-endian and allows unaligned access: the
 * specifications' little-endian words are plain loads. */
static inline u32 load32(const u8 *p) {
  u32 v;
  __builtin_memcpy(&v, p, 4);
  return v;
}

static inline void store32(u8 *p, u32 v) { __builtin_memcpy(p, &v, 4); }

static inline u64 load64(const u8 *p) {
  u64 v;
  __builtin_memcpy(&v, p, 8);
  return v;
}

/* ---------------------------------------------------------------------
 * The host's side: key and nonce, and the subkey cache.
 */

static struct {
  u8 key[32];
  u8 nonce[24];
  /* CurveZMQ nonces keep their first 16 bytes for a whole connection
   * ("CurveZMQMESSAGEC" or "...S"), and only those feed HSalsa20: the
   * subkey is kept until the key or that prefix changes. */
  u8 prefix[16];
  u32 subkey[8];
  u32 subkey_ready;
} __attribute__((aligned(16))) io;

extern u8 __heap_base;

/** Where the host writes the key (32 bytes), then the nonce (24). */
EXPORT("params") u32 params(void) { return (u32)(uintptr_t)&io; }

/** Where the box goes: the rest of memory, which the host grows. */
EXPORT("buffer") u32 buffer(void) {
  return ((u32)(uintptr_t)&__heap_base + 63) & ~63u;
}

/** The host wrote a new key: its subkeys are stale. */
EXPORT("rekey") void rekey(void) { io.subkey_ready = 0; }

/* ---------------------------------------------------------------------
 * Salsa20.
 */

#define SIGMA0 0x61707865u /* "expand 32-byte k" */
#define SIGMA1 0x3320646eu
#define SIGMA2 0x79622d32u
#define SIGMA3 0x6b206574u

#define ROTL(x, n) (((x) << (n)) | ((x) >> (32 - (n))))

/* The quarter-round on (a, b, c, d), for columns and rows alike. */
#define QUARTER(a, b, c, d)                                                  \
  do {                                                                       \
    b ^= ROTL(a + d, 7);                                                     \
    c ^= ROTL(b + a, 9);                                                     \
    d ^= ROTL(c + b, 13);                                                    \
    a ^= ROTL(d + c, 18);                                                    \
  } while (0)

/* Twenty rounds on scalar words, for HSalsa20 and short keystreams:
 * WebAssembly rotates scalars in one instruction, lanes in three. */
static void rounds(u32 x[16]) {
  u32 x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3], x4 = x[4], x5 = x[5],
      x6 = x[6], x7 = x[7], x8 = x[8], x9 = x[9], x10 = x[10], x11 = x[11],
      x12 = x[12], x13 = x[13], x14 = x[14], x15 = x[15];
  for (int i = 0; i < 10; i++) {
    QUARTER(x0, x4, x8, x12);
    QUARTER(x5, x9, x13, x1);
    QUARTER(x10, x14, x2, x6);
    QUARTER(x15, x3, x7, x11);
    QUARTER(x0, x1, x2, x3);
    QUARTER(x5, x6, x7, x4);
    QUARTER(x10, x11, x8, x9);
    QUARTER(x15, x12, x13, x14);
  }
  x[0] = x0, x[1] = x1, x[2] = x2, x[3] = x3, x[4] = x4, x[5] = x5;
  x[6] = x6, x[7] = x7, x[8] = x8, x[9] = x9, x[10] = x10, x[11] = x11;
  x[12] = x12, x[13] = x13, x[14] = x14, x[15] = x15;
}

/* The Salsa20 input of XSalsa20's second stage, counter aside: the
 * subkey, and the nonce's last 8 bytes. */
static void setup(u32 in[16]) {
  if (!io.subkey_ready ||
      load64(io.prefix) != load64(io.nonce) ||
      load64(io.prefix + 8) != load64(io.nonce + 8)) {
    /* HSalsa20: the rounds on key and the nonce's first 16 bytes, and
     * the diagonal and the nonce words out, without the final addition. */
    u32 x[16] = {SIGMA0, load32(io.key), load32(io.key + 4),
                 load32(io.key + 8), load32(io.key + 12), SIGMA1,
                 load32(io.nonce), load32(io.nonce + 4),
                 load32(io.nonce + 8), load32(io.nonce + 12), SIGMA2,
                 load32(io.key + 16), load32(io.key + 20),
                 load32(io.key + 24), load32(io.key + 28), SIGMA3};
    rounds(x);
    u32 *k = io.subkey;
    k[0] = x[0], k[1] = x[5], k[2] = x[10], k[3] = x[15];
    k[4] = x[6], k[5] = x[7], k[6] = x[8], k[7] = x[9];
    __builtin_memcpy(io.prefix, io.nonce, 16);
    io.subkey_ready = 1;
  }
  const u32 *k = io.subkey;
  in[0] = SIGMA0, in[1] = k[0], in[2] = k[1], in[3] = k[2], in[4] = k[3];
  in[5] = SIGMA1, in[6] = load32(io.nonce + 16);
  in[7] = load32(io.nonce + 20);
  /* Word 9, the counter's high half, stays 0: a wasm32 memory holds
   * under 2^26 blocks. */
  in[8] = 0, in[9] = 0, in[10] = SIGMA2;
  in[11] = k[4], in[12] = k[5], in[13] = k[6], in[14] = k[7];
  in[15] = SIGMA3;
}

/* One keystream block. */
static void block1(u8 out[64], const u32 in[16], u32 counter) {
  u32 x[16], y[16];
  for (int i = 0; i < 16; i++) x[i] = y[i] = in[i];
  x[8] = y[8] = counter;
  rounds(x);
  for (int i = 0; i < 16; i++) store32(out + 4 * i, x[i] + y[i]);
}

#define VROTL(x, n) wasm_v128_or(wasm_i32x4_shl(x, n), wasm_u32x4_shr(x, 32 - n))

#define VQUARTER(a, b, c, d)                                                 \
  do {                                                                       \
    b = wasm_v128_xor(b, VROTL(wasm_i32x4_add(a, d), 7));                    \
    c = wasm_v128_xor(c, VROTL(wasm_i32x4_add(b, a), 9));                    \
    d = wasm_v128_xor(d, VROTL(wasm_i32x4_add(c, b), 13));                   \
    a = wasm_v128_xor(a, VROTL(wasm_i32x4_add(d, c), 18));                   \
  } while (0)

/* A double round on x0..x15, each vector one word of four blocks. */
#define VDOUBLE_ROUND()                                                      \
  do {                                                                       \
    VQUARTER(x0, x4, x8, x12);                                               \
    VQUARTER(x5, x9, x13, x1);                                               \
    VQUARTER(x10, x14, x2, x6);                                              \
    VQUARTER(x15, x3, x7, x11);                                              \
    VQUARTER(x0, x1, x2, x3);                                                \
    VQUARTER(x5, x6, x7, x4);                                                \
    VQUARTER(x10, x11, x8, x9);                                              \
    VQUARTER(x15, x12, x13, x14);                                            \
  } while (0)

#define VLOAD_INPUT(in)                                                      \
  v128_t x0 = in[0], x1 = in[1], x2 = in[2], x3 = in[3], x4 = in[4],         \
         x5 = in[5], x6 = in[6], x7 = in[7], x8 = in[8], x9 = in[9],         \
         x10 = in[10], x11 = in[11], x12 = in[12], x13 = in[13],             \
         x14 = in[14], x15 = in[15]

/*
 * The end of four blocks: lane j of x[i] is word i of block j; adding the
 * input, then a 4x4 transpose per four words, puts each block's bytes in
 * order: out[i] is keystream bytes 16i..16i+15 of the four.
 */
static inline void finish4(v128_t out[16], const v128_t x[16],
                           const v128_t in[16]) {
  for (int w = 0; w < 16; w += 4) {
    v128_t a = wasm_i32x4_add(x[w], in[w]);
    v128_t b = wasm_i32x4_add(x[w + 1], in[w + 1]);
    v128_t c = wasm_i32x4_add(x[w + 2], in[w + 2]);
    v128_t d = wasm_i32x4_add(x[w + 3], in[w + 3]);
    v128_t ab_low = wasm_i32x4_shuffle(a, b, 0, 4, 1, 5);
    v128_t ab_high = wasm_i32x4_shuffle(a, b, 2, 6, 3, 7);
    v128_t cd_low = wasm_i32x4_shuffle(c, d, 0, 4, 1, 5);
    v128_t cd_high = wasm_i32x4_shuffle(c, d, 2, 6, 3, 7);
    out[w / 4] = wasm_i64x2_shuffle(ab_low, cd_low, 0, 2);
    out[4 + w / 4] = wasm_i64x2_shuffle(ab_low, cd_low, 1, 3);
    out[8 + w / 4] = wasm_i64x2_shuffle(ab_high, cd_high, 0, 2);
    out[12 + w / 4] = wasm_i64x2_shuffle(ab_high, cd_high, 1, 3);
  }
}

/* Four consecutive keystream blocks, 256 bytes, from the input as splats
 * and the counters as (c, c+1, c+2, c+3). */
static inline void block4(v128_t out[16], const v128_t in[16]) {
  VLOAD_INPUT(in);
  for (int i = 0; i < 10; i++) VDOUBLE_ROUND();
  v128_t x[16] = {x0, x1, x2,  x3,  x4,  x5,  x6,  x7,
                  x8, x9, x10, x11, x12, x13, x14, x15};
  finish4(out, x, in);
}

static void splat_input(v128_t v[16], const u32 in[16], u32 counter) {
  for (int i = 0; i < 16; i++) v[i] = wasm_i32x4_splat(in[i]);
  v[8] = wasm_i32x4_make(counter, counter + 1, counter + 2, counter + 3);
}

/* Keystream from block `counter` on into ks, enough for `bytes` (at most
 * 256): one or two scalar blocks cost less than four lanes (measured
 * here: 0.08 us a block, 0.2 us for four). */
static void keystream(u8 ks[256], const u32 in[16], u32 counter, u32 bytes) {
  if (bytes <= 128) {
    block1(ks, in, counter);
    if (bytes > 64) block1(ks + 64, in, counter + 1);
  } else {
    v128_t v[16], out[16];
    splat_input(v, in, counter);
    block4(out, v);
    for (int i = 0; i < 16; i++) wasm_v128_store(ks + 16 * i, out[i]);
  }
}

static void xor_bytes(u8 *p, const u8 *ks, u32 n) {
  for (u32 i = 0; i < n; i++) p[i] ^= ks[i];
}

/* ---------------------------------------------------------------------
 * Poly1305: h = (h + block) * r mod 2^130 - 5, in 26-bit limbs so that
 * each limb product fits 64 bits with room for five of them summed.
 * Scalar: four interleaved accumulators in SIMD lanes measured slower
 * (WebAssembly's only 32x32->64 vector multiply costs three instructions
 * under V8 on x64), and scalar integer work overlaps Salsa20's SIMD work
 * when the two are interleaved (see crypt_groups).
 */

#define M26 0x3ffffffu

typedef struct {
  u64 h[5];
  u64 r[5];
} poly;

/* One block at m into h (locals h0..h4, with r0..r4 and s1..s4 = 5r):
 * h limbs stay under 2^27 after the additions, so the products stay
 * under 2^56 and their sums under 2^59. `high` is the 2^128 bit. */
#define POLY_BLOCK(m, high)                                                  \
  do {                                                                       \
    u64 lo_ = load64(m), hi_ = load64((m) + 8);                              \
    h0 += lo_ & M26;                                                         \
    h1 += (lo_ >> 26) & M26;                                                 \
    h2 += ((lo_ >> 52) | (hi_ << 12)) & M26;                                 \
    h3 += (hi_ >> 14) & M26;                                                 \
    h4 += (hi_ >> 40) | (high);                                              \
    u64 d0 = h0 * r0 + h1 * s4 + h2 * s3 + h3 * s2 + h4 * s1;                \
    u64 d1 = h0 * r1 + h1 * r0 + h2 * s4 + h3 * s3 + h4 * s2;                \
    u64 d2 = h0 * r2 + h1 * r1 + h2 * r0 + h3 * s4 + h4 * s3;                \
    u64 d3 = h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + h4 * s4;                \
    u64 d4 = h0 * r4 + h1 * r3 + h2 * r2 + h3 * r1 + h4 * r0;                \
    d1 += d0 >> 26;                                                          \
    d2 += d1 >> 26;                                                          \
    d3 += d2 >> 26;                                                          \
    d4 += d3 >> 26;                                                          \
    h0 = (d0 & M26) + (d4 >> 26) * 5;                                        \
    h1 = (d1 & M26) + (h0 >> 26);                                            \
    h0 &= M26;                                                               \
    h2 = d2 & M26;                                                           \
    h3 = d3 & M26;                                                           \
    h4 = d4 & M26;                                                           \
  } while (0)

#define POLY_LOAD(st)                                                        \
  u64 h0 = (st)->h[0], h1 = (st)->h[1], h2 = (st)->h[2], h3 = (st)->h[3],    \
      h4 = (st)->h[4];                                                       \
  const u64 r0 = (st)->r[0], r1 = (st)->r[1], r2 = (st)->r[2],               \
            r3 = (st)->r[3], r4 = (st)->r[4];                                \
  const u64 s1 = r1 * 5, s2 = r2 * 5, s3 = r3 * 5, s4 = r4 * 5

#define POLY_STORE(st)                                                       \
  (st)->h[0] = h0, (st)->h[1] = h1, (st)->h[2] = h2, (st)->h[3] = h3,        \
  (st)->h[4] = h4

static void poly_init(poly *st, const u8 key[32]) {
  /* Clamping (RFC 8439 2.5.1): r &= 0x0ffffffc0ffffffc0ffffffc0fffffff. */
  u64 lo = load64(key) & 0x0ffffffc0fffffffull;
  u64 hi = load64(key + 8) & 0x0ffffffc0ffffffcull;
  st->r[0] = lo & M26;
  st->r[1] = (lo >> 26) & M26;
  st->r[2] = ((lo >> 52) | (hi << 12)) & M26;
  st->r[3] = (hi >> 14) & M26;
  st->r[4] = hi >> 40;
  for (int i = 0; i < 5; i++) st->h[i] = 0;
}

/* The `n` bytes at m, the last call of a message: whole blocks, then a
 * partial one padded with 0x01 then zeros, and no 2^128 bit. */
static void poly_update(poly *st, const u8 *m, u32 n) {
  POLY_LOAD(st);
  for (; n >= 16; n -= 16, m += 16) POLY_BLOCK(m, 1ull << 24);
  if (n) {
    u8 last[16] = {0};
    for (u32 i = 0; i < n; i++) last[i] = m[i];
    last[n] = 1;
    POLY_BLOCK(last, 0);
  }
  POLY_STORE(st);
}

/* tag = (h mod p) + s mod 2^128. */
static void poly_tag(const poly *st, const u8 key[32], u8 tag[16]) {
  /* Fully carried, h is under 2p: h - p replaces it when not negative,
   * chosen by mask, not branch. */
  u32 h0 = st->h[0], h1 = st->h[1], h2 = st->h[2], h3 = st->h[3],
      h4 = st->h[4], c;
  c = h1 >> 26, h1 &= M26, h2 += c;
  c = h2 >> 26, h2 &= M26, h3 += c;
  c = h3 >> 26, h3 &= M26, h4 += c;
  c = h4 >> 26, h4 &= M26, h0 += c * 5;
  c = h0 >> 26, h0 &= M26, h1 += c;
  u32 g0 = h0 + 5;
  c = g0 >> 26, g0 &= M26;
  u32 g1 = h1 + c;
  c = g1 >> 26, g1 &= M26;
  u32 g2 = h2 + c;
  c = g2 >> 26, g2 &= M26;
  u32 g3 = h3 + c;
  c = g3 >> 26, g3 &= M26;
  u32 g4 = h4 + c - (1u << 26);
  u32 use_g = (g4 >> 31) - 1; /* all ones when g4 >= 0, h >= p */
  h0 = (h0 & ~use_g) | (g0 & use_g);
  h1 = (h1 & ~use_g) | (g1 & use_g);
  h2 = (h2 & ~use_g) | (g2 & use_g);
  h3 = (h3 & ~use_g) | (g3 & use_g);
  h4 = (h4 & ~use_g) | (g4 & use_g);
  /* 32 bits at a time, in sums that tolerate h1 a carry over 26 bits. */
  u64 t;
  t = (u64)h0 + ((u64)h1 << 26) + load32(key + 16);
  store32(tag, (u32)t);
  t = (t >> 32) + ((u64)h2 << 20) + load32(key + 20);
  store32(tag + 4, (u32)t);
  t = (t >> 32) + ((u64)h3 << 14) + load32(key + 24);
  store32(tag + 8, (u32)t);
  t = (t >> 32) + ((u64)h4 << 8) + load32(key + 28);
  store32(tag + 12, (u32)t);
}

/* ---------------------------------------------------------------------
 * The secretbox.
 */

/* Message bytes the first four keystream blocks cover, after the 32 that
 * key Poly1305; whole 256-byte groups follow, from keystream block 4. */
#define HEAD 224
#define GROUP 256

/*
 * XORs `groups` whole groups at p with the keystream from block 4 on, and
 * with each group MACs the ciphertext from *mac up to `lag` bytes past the
 * group's start, two blocks per double round, so that the integer units
 * run Poly1305 while the SIMD units run Salsa20. Sealing MACs what it has
 * encrypted so far (lag 0); opening MACs the group it is about to decrypt
 * (lag 256), before the decryption overwrites it.
 */
static void crypt_groups(u8 *p, u32 groups, const u32 in[16], poly *st,
                         const u8 **mac, u32 lag) {
  POLY_LOAD(st);
  const u8 *q = *mac;
  v128_t v[16];
  splat_input(v, in, 4);
  const v128_t four = wasm_i32x4_splat(4);
  for (; groups; groups--, p += GROUP) {
    u32 pairs = (u32)(p + lag - q) / 32;
    VLOAD_INPUT(v);
    for (u32 i = 0; i < 10; i++) {
      VDOUBLE_ROUND();
      if (i < pairs) {
        POLY_BLOCK(q, 1ull << 24);
        POLY_BLOCK(q + 16, 1ull << 24);
        q += 32;
      }
    }
    v128_t x[16] = {x0, x1, x2,  x3,  x4,  x5,  x6,  x7,
                    x8, x9, x10, x11, x12, x13, x14, x15};
    v128_t out[16];
    finish4(out, x, v);
    for (int i = 0; i < 16; i++) {
      v128_t m = wasm_v128_load(p + 16 * i);
      wasm_v128_store(p + 16 * i, wasm_v128_xor(m, out[i]));
    }
    v[8] = wasm_i32x4_add(v[8], four);
  }
  POLY_STORE(st);
  *mac = q;
}

/* XORs the bytes after the whole groups, up to n, with their keystream. */
static void xor_tail(u8 *p, u32 n, u32 groups, const u32 in[16]) {
  u32 done = HEAD + groups * GROUP;
  if (n <= done) return;
  u8 ks[256] __attribute__((aligned(16)));
  keystream(ks, in, 4 + 4 * groups, n - done);
  xor_bytes(p + done, ks, n - done);
}

/**
 * Seals the `n` message bytes at buffer() + 16 in place, and writes the
 * tag at buffer(): the box, tag then ciphertext, is buffer()'s first
 * n + 16 bytes.
 */
EXPORT("seal") void seal(u32 n) {
  u8 *box = (u8 *)(uintptr_t)buffer();
  u8 *m = box + 16;
  u32 in[16];
  setup(in);
  u8 ks[256] __attribute__((aligned(16)));
  keystream(ks, in, 0, n < HEAD ? 32 + n : 256);
  poly st;
  poly_init(&st, ks);
  xor_bytes(m, ks + 32, n < HEAD ? n : HEAD);
  u32 groups = n > HEAD ? (n - HEAD) / GROUP : 0;
  const u8 *mac = m;
  crypt_groups(m + HEAD, groups, in, &st, &mac, 0);
  xor_tail(m, n, groups, in);
  poly_update(&st, mac, (u32)(m + n - mac));
  poly_tag(&st, ks, box);
}

/**
 * Opens the `n`-byte box at buffer() in place: on success (0) the
 * plaintext is at buffer() + 16, n - 16 bytes; on a forgery (1) what was
 * decrypted before the tag could be checked is zeroed.
 */
EXPORT("open") u32 open(u32 n) {
  if (n < 16) return 1;
  u8 *box = (u8 *)(uintptr_t)buffer();
  u8 *c = box + 16;
  n -= 16;
  u32 in[16];
  setup(in);
  u8 ks[256] __attribute__((aligned(16)));
  keystream(ks, in, 0, n < HEAD ? 32 + n : 256);
  poly st;
  poly_init(&st, ks);
  u32 groups = n > HEAD ? (n - HEAD) / GROUP : 0;
  const u8 *mac = c;
  if (groups) {
    poly_update(&st, c, HEAD);
    mac += HEAD;
  }
  crypt_groups(c + HEAD, groups, in, &st, &mac, GROUP);
  poly_update(&st, mac, (u32)(c + n - mac));
  u8 tag[16];
  poly_tag(&st, ks, tag);
  u32 diff = 0;
  for (int i = 0; i < 16; i++) diff |= tag[i] ^ box[i];
  /* 1 unless every byte matched; only that is branched on. */
  u32 forged = (diff + 0xff) >> 8;
  if (forged) {
    __builtin_memset(c + HEAD, 0, groups * GROUP);
    return 1;
  }
  xor_bytes(c, ks + 32, n < HEAD ? n : HEAD);
  xor_tail(c, n, groups, in);
  return 0;
}
