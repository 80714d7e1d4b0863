/*
 * XSalsa20-Poly1305, NaCl's crypto_secretbox, for CurveZMQ's MESSAGE
 * traffic: crypto_box_easy_afternm and crypto_box_open_easy_afternm with
 * the key crypto_box_beforenm shared, in libsodium's "easy" layout (the
 * 16-byte Poly1305 tag, then the ciphertext).
 *
 * Written from the specifications: Salsa20 and XSalsa20 (Bernstein),
 * Poly1305 (RFC 8439 2.5), and NaCl's secretbox: the first 32 bytes of the
 * XSalsa20 keystream key Poly1305, the message is encrypted from keystream
 * byte 32, and the tag authenticates the ciphertext.
 *
 * Built for WebAssembly with SIMD128 (see build.ts), without libc, in a
 * memory of fixed size, which no frame a peer sends can grow: a box of any
 * length goes through a fixed window, the cipher's counter and the MAC's
 * state kept between windows. The host writes the key and nonce at
 * params(), each window at buffer(), and calls seal() or open() on it.
 *
 * Speed: Salsa20 runs four blocks at once, a word of each block per SIMD
 * vector (see SALSA4). Poly1305 is scalar, 26-bit limbs
 * whose 32x32-bit products fit 64 bits (WebAssembly has no wider
 * multiply), and runs interleaved with the Salsa20 rounds, integer units
 * beside SIMD units: the MAC then costs little more than the cipher.
 *
 * Constant time: no branch and no memory index depends on the key, the
 * keystream, the plaintext or the tag; branches depend only on lengths and
 * on the nonce, which are public. The tag is compared without an early
 * exit. open() decrypts each window as it MACs it, the last window's head
 * and tail after the tag matched, and zeroes the window if it did not (the
 * host keeps earlier windows' plaintext from its caller until then).
 */

#include <stddef.h>
#include <stdint.h>
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(name)))

typedef uint8_t u8;
typedef uint32_t u32;
typedef uint64_t u64;

/* WebAssembly is little-endian and allows unaligned access: the
 * specifications' little-endian words are plain loads, at any address. */
typedef u32 __attribute__((aligned(1), may_alias)) u32_at;
typedef u64 __attribute__((aligned(1), may_alias)) u64_at;
static inline u32 load32(const u8 *p) { return *(const u32_at *)p; }
static inline u64 load64(const u8 *p) { return *(const u64_at *)p; }
static inline void store32(u8 *p, u32 v) { *(u32_at *)p = v; }

/* Message bytes the first four keystream blocks cover, after the 32 that
 * key Poly1305; whole 256-byte groups follow, from keystream block 4. */
#define HEAD 224
#define GROUP 256
/* Message bytes of a window: the first holds HEAD more. 64 KiB measured
 * as fast as 16 and 32 KiB on large boxes, and takes a 64 KiB frame in
 * one window. A multiple of GROUP, so that every window after the first
 * starts on a group: only the last has a tail. */
#define WINDOW 65536

/* What the host writes, key and nonce, and the subkey cache: CurveZMQ
 * nonces keep their first 16 bytes, which alone feed HSalsa20, for a whole
 * connection ("CurveZMQMESSAGEC" or "...S"), so the subkey is kept until
 * the key's bytes or that prefix change. */
static struct {
  u8 key[32], nonce[24], prefix[16], derived_from[32];
  u32 subkey[8], subkey_ready;
} __attribute__((aligned(16))) io;

/* The tag, then a window of the message (HEAD + WINDOW bytes the first,
 * WINDOW later, at HEAD): later windows start on a 16-byte boundary. */
static u8 window[16 + HEAD + WINDOW] __attribute__((aligned(16)));

/** Where the host writes the key (32 bytes), then the nonce (24). */
EXPORT("params") u32 params(void) { return (u32)(uintptr_t)&io; }

/** Where the tag goes, and the first window after it. */
EXPORT("buffer") u32 buffer(void) { return (u32)(uintptr_t)window; }

/** Message bytes of a window after the first (the first holds 224 more). */
EXPORT("window") u32 window_bytes(void) { return WINDOW; }

/* ---------------------------------------------------------------------
 * Salsa20.
 */

#define SIGMA0 0x61707865u /* "expand 32-byte k" */
#define SIGMA1 0x3320646eu
#define SIGMA2 0x79622d32u
#define SIGMA3 0x6b206574u

#define ROTL(x, n) (((x) << (n)) | ((x) >> (32 - (n))))

/* The quarter-round on (a, b, c, d), for columns and rows alike; VQUARTER
 * is the same on vectors, lane by lane. */
#define QUARTER(a, b, c, d)                                                  \
  (b ^= ROTL(a + d, 7), c ^= ROTL(b + a, 9), d ^= ROTL(c + b, 13),           \
   a ^= ROTL(d + c, 18))

#define VROTL(x, n) wasm_v128_or(wasm_i32x4_shl(x, n), wasm_u32x4_shr(x, 32 - n))

#define VQUARTER(a, b, c, d)                                                 \
  (b = wasm_v128_xor(b, VROTL(wasm_i32x4_add(a, d), 7)),                     \
   c = wasm_v128_xor(c, VROTL(wasm_i32x4_add(b, a), 9)),                     \
   d = wasm_v128_xor(d, VROTL(wasm_i32x4_add(c, b), 13)),                    \
   a = wasm_v128_xor(a, VROTL(wasm_i32x4_add(d, c), 18)))

/* A double round on x0..x15, columns then rows, with quarter-round Q. */
#define DOUBLE_ROUND(Q)                                                      \
  do {                                                                       \
    Q(x0, x4, x8, x12), Q(x5, x9, x13, x1), Q(x10, x14, x2, x6);             \
    Q(x15, x3, x7, x11), Q(x0, x1, x2, x3), Q(x5, x6, x7, x4);               \
    Q(x10, x11, x8, x9), Q(x15, x12, x13, x14);                              \
  } while (0)

/* Twenty rounds on scalar words, for HSalsa20 and short keystreams:
 * WebAssembly rotates scalars in one instruction, lanes in three. */
static void rounds(u32 x[16]) {
  u32 x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3], x4 = x[4], x5 = x[5],
      x6 = x[6], x7 = x[7], x8 = x[8], x9 = x[9], x10 = x[10], x11 = x[11],
      x12 = x[12], x13 = x[13], x14 = x[14], x15 = x[15];
  for (int i = 0; i < 10; i++) DOUBLE_ROUND(QUARTER);
  x[0] = x0, x[1] = x1, x[2] = x2, x[3] = x3, x[4] = x4, x[5] = x5;
  x[6] = x6, x[7] = x7, x[8] = x8, x[9] = x9, x[10] = x10, x[11] = x11;
  x[12] = x12, x[13] = x13, x[14] = x14, x[15] = x15;
}

/* a ^ b, 16 bytes of each, to compare them without an early exit. */
static inline v128_t xor16(const u8 *a, const u8 *b) {
  return wasm_v128_xor(wasm_v128_load(a), wasm_v128_load(b));
}

/* HSalsa20: the rounds on the key and a 16-byte input, and the diagonal
 * and the input's words out, without the final addition. */
static void hsalsa20_words(u32 k[8], const u8 key[32], const u8 input[16]) {
  u32 x[16] = {SIGMA0, load32(key), load32(key + 4),
               load32(key + 8), load32(key + 12), SIGMA1,
               load32(input), load32(input + 4),
               load32(input + 8), load32(input + 12), SIGMA2,
               load32(key + 16), load32(key + 20),
               load32(key + 24), load32(key + 28), SIGMA3};
  rounds(x);
  k[0] = x[0], k[1] = x[5], k[2] = x[10], k[3] = x[15];
  k[4] = x[6], k[5] = x[7], k[6] = x[8], k[7] = x[9];
}

/* HSalsa20 as bytes, for x25519.c's beforenm. */
void hsalsa20(u8 out[32], const u8 key[32], const u8 input[16]) {
  u32 k[8];
  hsalsa20_words(k, key, input);
  for (int i = 0; i < 8; i++) store32(out + 4 * i, k[i]);
}

/* The Salsa20 input of XSalsa20's second stage: the subkey, the nonce's
 * last 8 bytes, and the block counter (words 8 and 9) at 0. */
static void setup(u32 in[16]) {
  /* By value: the host writes the key for every box, as a key may change
   * in place. Branching on a change leaks only that there was one. */
  v128_t changed = wasm_v128_or(xor16(io.key, io.derived_from),
                                xor16(io.key + 16, io.derived_from + 16));
  changed = wasm_v128_or(changed, xor16(io.prefix, io.nonce));
  if (!io.subkey_ready || wasm_v128_any_true(changed)) {
    hsalsa20_words(io.subkey, io.key, io.nonce);
    __builtin_memcpy(io.prefix, io.nonce, 16);
    __builtin_memcpy(io.derived_from, io.key, 32);
    io.subkey_ready = 1;
  }
  const u32 *k = io.subkey;
  in[0] = SIGMA0, in[1] = k[0], in[2] = k[1], in[3] = k[2], in[4] = k[3];
  in[5] = SIGMA1, in[6] = load32(io.nonce + 16), in[7] = load32(io.nonce + 20);
  in[8] = 0, in[9] = 0, in[10] = SIGMA2;
  in[11] = k[4], in[12] = k[5], in[13] = k[6], in[14] = k[7], in[15] = SIGMA3;
}

/* One keystream block, counter's low word `counter`. */
static void block1(u8 out[64], const u32 in[16], u32 counter) {
  u32 x[16], y[16];
  for (int i = 0; i < 16; i++) x[i] = y[i] = in[i];
  x[8] = y[8] = counter;
  rounds(x);
  for (int i = 0; i < 16; i++) store32(out + 4 * i, x[i] + y[i]);
}

/*
 * Salsa20 on SIMD: four blocks at once, a word of each per vector, so
 * that a double round is DOUBLE_ROUND on vectors, lane i block i's.
 *
 * Why four blocks, and why so: a quarter-round is a chain of sixteen
 * dependent instructions, and two blocks' chains left the vector units
 * of an AMD EPYC (2.6 GHz, four vector pipes) waiting: XSalsa20-Poly1305
 * sealed 64 KiB in 74 us with two blocks, each block's diagonals in four
 * vectors (the layout before 2026-12-05), 49 with four blocks so, and 43
 * with four a word per vector, which needs no lane rotations between
 * rounds (measured here, 2026-12-05). Sixteen vectors outgrow x64's
 * sixteen SIMD registers and V8 spills some: on a Xeon, whose three
 * vector ports two blocks nearly filled, an earlier session measured the
 * word layout 10% slower than two blocks in diagonals.
 */

/* Words 4k to 4k + 3 of four blocks, a word per vector and a block per
 * lane, turned into each block's 16 bytes and XORed into o's four blocks. */
#define TRANSPOSE_XOR(o, k, w0, w1, w2, w3)                                  \
  do {                                                                       \
    v128_t t0 = wasm_i32x4_shuffle(w0, w1, 0, 4, 1, 5);                      \
    v128_t t1 = wasm_i32x4_shuffle(w2, w3, 0, 4, 1, 5);                      \
    v128_t t2 = wasm_i32x4_shuffle(w0, w1, 2, 6, 3, 7);                      \
    v128_t t3 = wasm_i32x4_shuffle(w2, w3, 2, 6, 3, 7);                      \
    v128_t block_[4] = {wasm_i32x4_shuffle(t0, t1, 0, 1, 4, 5),              \
                        wasm_i32x4_shuffle(t0, t1, 2, 3, 6, 7),              \
                        wasm_i32x4_shuffle(t2, t3, 0, 1, 4, 5),              \
                        wasm_i32x4_shuffle(t2, t3, 2, 3, 6, 7)};             \
    for (int j_ = 0; j_ < 4; j_++) {                                         \
      u8 *at_ = (o) + 64 * j_ + 16 * (k);                                    \
      wasm_v128_store(at_, wasm_v128_xor(wasm_v128_load(at_), block_[j_]));  \
    }                                                                        \
  } while (0)

/* The four blocks from in's counter (a multiple of 4: adding up to 3
 * carries nowhere), XORed into the 256 bytes at o; MAC_STEP runs after
 * each double round, with i its number, so that Poly1305's integer work
 * overlaps the SIMD work. */
#define SALSA4(o, in, MAC_STEP)                                              \
  do {                                                                       \
    v128_t y[16];                                                            \
    for (int k_ = 0; k_ < 16; k_++) y[k_] = wasm_i32x4_splat((in)[k_]);      \
    y[8] = wasm_i32x4_add(y[8], wasm_i32x4_make(0, 1, 2, 3));                \
    v128_t x0 = y[0], x1 = y[1], x2 = y[2], x3 = y[3], x4 = y[4], x5 = y[5], \
           x6 = y[6], x7 = y[7], x8 = y[8], x9 = y[9], x10 = y[10],          \
           x11 = y[11], x12 = y[12], x13 = y[13], x14 = y[14], x15 = y[15];  \
    for (u32 i = 0; i < 10; i++) {                                           \
      DOUBLE_ROUND(VQUARTER);                                                \
      MAC_STEP;                                                              \
    }                                                                        \
    TRANSPOSE_XOR(o, 0, wasm_i32x4_add(x0, y[0]), wasm_i32x4_add(x1, y[1]),  \
                  wasm_i32x4_add(x2, y[2]), wasm_i32x4_add(x3, y[3]));       \
    TRANSPOSE_XOR(o, 1, wasm_i32x4_add(x4, y[4]), wasm_i32x4_add(x5, y[5]),  \
                  wasm_i32x4_add(x6, y[6]), wasm_i32x4_add(x7, y[7]));       \
    TRANSPOSE_XOR(o, 2, wasm_i32x4_add(x8, y[8]), wasm_i32x4_add(x9, y[9]),  \
                  wasm_i32x4_add(x10, y[10]), wasm_i32x4_add(x11, y[11]));   \
    TRANSPOSE_XOR(o, 3, wasm_i32x4_add(x12, y[12]),                          \
                  wasm_i32x4_add(x13, y[13]), wasm_i32x4_add(x14, y[14]),    \
                  wasm_i32x4_add(x15, y[15]));                               \
  } while (0)

/* Keystream from in's counter on into ks, enough for `bytes` (at most
 * 256): one or two scalar blocks cost less than SIMD ones (measured
 * here: 0.08 us a block, 0.2 us for four). */
static void keystream(u8 ks[256], const u32 in[16], u32 bytes) {
  if (bytes <= 128) {
    block1(ks, in, in[8]);
    if (bytes > 64) block1(ks + 64, in, in[8] + 1);
  } else {
    __builtin_memset(ks, 0, 256);
    SALSA4(ks, in, (void)0);
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
  u64 h[5], r[5];
} poly;

/* One block at m into h (locals h0..h4, with r0..r4 and s1..s4 = 5r):
 * h limbs stay under 2^27 after the additions, so the products stay
 * under 2^56 and their sums under 2^59. `high` is the 2^128 bit. */
#define POLY_BLOCK(m, high)                                                  \
  do {                                                                       \
    u64 lo_ = load64(m), hi_ = load64((m) + 8);                              \
    h0 += lo_ & M26, h1 += (lo_ >> 26) & M26;                                \
    h2 += ((lo_ >> 52) | (hi_ << 12)) & M26;                                 \
    h3 += (hi_ >> 14) & M26, h4 += (hi_ >> 40) | (high);                     \
    u64 d0 = h0 * r0 + h1 * s4 + h2 * s3 + h3 * s2 + h4 * s1;                \
    u64 d1 = h0 * r1 + h1 * r0 + h2 * s4 + h3 * s3 + h4 * s2;                \
    u64 d2 = h0 * r2 + h1 * r1 + h2 * r0 + h3 * s4 + h4 * s3;                \
    u64 d3 = h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + h4 * s4;                \
    u64 d4 = h0 * r4 + h1 * r3 + h2 * r2 + h3 * r1 + h4 * r0;                \
    d1 += d0 >> 26, d2 += d1 >> 26, d3 += d2 >> 26, d4 += d3 >> 26;          \
    h0 = (d0 & M26) + (d4 >> 26) * 5, h1 = (d1 & M26) + (h0 >> 26);          \
    h0 &= M26, h2 = d2 & M26, h3 = d3 & M26, h4 = d4 & M26;                  \
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
  st->r[0] = lo & M26, st->r[1] = (lo >> 26) & M26;
  st->r[2] = ((lo >> 52) | (hi << 12)) & M26;
  st->r[3] = (hi >> 14) & M26, st->r[4] = hi >> 40;
  for (int i = 0; i < 5; i++) st->h[i] = 0;
}

/* The `n` bytes at m: whole blocks, then, at the message's end only, a
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
  u32 h[5], g[5], c = 0;
  for (int i = 0; i < 5; i++) h[i] = (u32)st->h[i];
  /* Fully carried, h is under 2p: g = h + 5 - 2^130 replaces it when not
   * negative (the carry out of g's top limb), chosen by mask, not branch. */
  for (int i = 1; i < 5; i++) h[i] += c, c = h[i] >> 26, h[i] &= M26;
  h[0] += c * 5, c = h[0] >> 26, h[0] &= M26, h[1] += c;
  c = 5;
  for (int i = 0; i < 5; i++) g[i] = h[i] + c, c = g[i] >> 26, g[i] &= M26;
  u32 use_g = 0 - c;
  for (int i = 0; i < 5; i++) h[i] = (h[i] & ~use_g) | (g[i] & use_g);
  /* 32 bits at a time, in sums that tolerate h1 a carry over 26 bits. */
  u64 t = (u64)h[0] + ((u64)h[1] << 26);
  for (int i = 0; i < 4; i++) {
    if (i) t = (t >> 32) + ((u64)h[i + 1] << (26 - 6 * i));
    t += load32(key + 16 + 4 * i);
    store32(tag + 4 * i, (u32)t);
  }
}

/* ---------------------------------------------------------------------
 * The secretbox, window by window.
 */

/* The box under way, kept between its windows. */
static struct {
  u32 in[16]; /* Salsa20's input; words 8 and 9, the next block */
  poly st;    /* Poly1305 of the ciphertext so far */
  u8 ks[256]; /* keystream blocks 0 to 3: Poly1305's key, then the head's */
} __attribute__((aligned(16))) run;

/*
 * XORs `groups` whole groups at p with the keystream from run's counter,
 * advancing it, and with each group MACs the ciphertext from *mac up to
 * `lag` bytes past the group's start, two Poly1305 blocks per double round,
 * so that the integer units run Poly1305 while the SIMD units run Salsa20.
 * Sealing MACs what it has encrypted so far (lag 0); opening MACs the
 * group it is about to decrypt (lag 256), before the decryption overwrites
 * it.
 */
static void crypt_groups(u8 *p, u32 groups, const u8 **mac, u32 lag) {
  u32 *in = run.in;
  POLY_LOAD(&run.st);
  const u8 *q = *mac;
  for (; groups; groups--, p += GROUP) {
    /* 7 (the head's 224 bytes), 8 or 0: two blocks per double round. */
    u32 pairs = (u32)(p + lag - q) / 32;
    SALSA4(p, in, if (i < pairs) {
      POLY_BLOCK(q, 1ull << 24);
      POLY_BLOCK(q + 16, 1ull << 24);
      q += 32;
    });
    /* Past 2^32 blocks (256 GiB) the counter carries into word 9. */
    if ((in[8] += 4) == 0) ++in[9];
  }
  POLY_STORE(&run.st);
  *mac = q;
}

/* XORs the last window's tail, n bytes at p, with the keystream. */
static void xor_tail(u8 *p, u32 n) {
  if (!n) return;
  u8 ks[256] __attribute__((aligned(16)));
  keystream(ks, run.in, n);
  xor_bytes(p, ks, n);
}

/* Where a window of n bytes is, and how many are the head (the first's
 * only). The first starts the box: keystream blocks 0 to 3, Poly1305
 * keyed. Only the last may be short: else the host erred, and it traps.
 * Inlined, as `head` would cost a stack frame (5 ns of a 16-byte open). */
static inline __attribute__((always_inline)) u8 *
start(u32 n, u32 first, u32 last, u32 *head) {
  u32 room = first ? HEAD + WINDOW : WINDOW;
  if (n > room || (!last && n != room)) __builtin_trap();
  *head = 0;
  if (!first) return window + 16 + HEAD;
  setup(run.in);
  keystream(run.ks, run.in, n < HEAD ? 32 + n : 256);
  run.in[8] = 4;
  poly_init(&run.st, run.ks);
  *head = n < HEAD ? n : HEAD;
  return window + 16;
}

/**
 * Seals a window, the next `n` message bytes of a box, in place: at
 * buffer() + 16 the first window (first = 1), at buffer() + 16 + 224 the
 * others. The last (last = 1) writes the tag at buffer().
 */
EXPORT("seal") void seal(u32 n, u32 first, u32 last) {
  u32 head;
  u8 *m = start(n, first, last, &head);
  xor_bytes(m, run.ks + 32, head);
  u32 groups = (n - head) / GROUP;
  const u8 *mac = m;
  crypt_groups(m + head, groups, &mac, 0);
  xor_tail(m + head + groups * GROUP, n - head - groups * GROUP);
  /* What the groups left to MAC, whole blocks but in the last window. */
  poly_update(&run.st, mac, (u32)(m + n - mac));
  if (last) poly_tag(&run.st, run.ks, window);
}

/**
 * Opens a window of a box in place, placed as seal()'s, the box's tag at
 * buffer(). The last returns 0 if the tag matched, or 1 for a forgery: it
 * then zeroes whatever plaintext the window holds.
 */
EXPORT("open") u32 open(u32 n, u32 first, u32 last) {
  u32 head;
  u8 *c = start(n, first, last, &head);
  u32 groups = (n - head) / GROUP;
  u8 *tail = c + head + groups * GROUP;
  const u8 *mac = c;
  if (groups && head) poly_update(&run.st, c, head), mac += head;
  crypt_groups(c + head, groups, &mac, GROUP);
  poly_update(&run.st, mac, (u32)(c + n - mac));
  if (last) {
    u8 tag[16];
    poly_tag(&run.st, run.ks, tag);
    u32 diff = 0;
    for (int i = 0; i < 16; i++) diff |= tag[i] ^ window[i];
    /* 1 unless every byte matched; only that is branched on. */
    if ((diff + 0xff) >> 8) {
      /* This window's groups; earlier windows' plaintext, if any, too. */
      if (first) __builtin_memset(c + head, 0, groups * GROUP);
      else __builtin_memset(window + 16, 0, HEAD + WINDOW);
      return 1;
    }
  }
  xor_bytes(c, run.ks + 32, head);
  xor_tail(tail, (u32)(c + n - tail));
  return 0;
}
