/*
 * X25519 (RFC 7748) and NaCl's crypto_box_beforenm, for CurveZMQ's keys
 * and handshake: built into the same WebAssembly module as secretbox.c,
 * so that the library needs no other cryptography at run time.
 *
 * Written from RFC 7748: the Montgomery ladder of section 5 on the field
 * of p = 2^255 - 19, its scalars clamped and its u-coordinates' top bit
 * masked as the RFC says. beforenm is HSalsa20 of the shared point with
 * a zero input, as NaCl's crypto_box_beforenm (secretbox.c's hsalsa20).
 *
 * Field elements are ten signed limbs of 26 and 25 bits in turn (limb i
 * at bit ceil(25.5 i)), whose 32x32-bit products fit 64 bits, as
 * WebAssembly has no wider multiply. Between operations limbs are carried
 * to at most 2^25 (26-bit limbs) or 2^24 (25-bit) in magnitude, plus a
 * little for limb 1; a sum or difference of two such elements goes into a
 * product as it is: each of the ten products summed into a 64-bit limb is
 * then under 2^57.3, the sum under 2^61.
 *
 * Constant time: the ladder swaps its points by masks, never by branches;
 * no branch and no memory index depends on the scalar or the point. Only
 * the result's being all zero (a point of small order) is told, as
 * libsodium's crypto_scalarmult returns -1 for it.
 *
 * Secrets left in memory (the clamped scalar, the ladder's points on the
 * stack; the scalar and results in `io`) are the host's to wipe after each
 * call: zeroing locals here is a dead store the compiler removes.
 */

#include <stdint.h>

#define EXPORT(name) __attribute__((export_name(name)))

typedef uint8_t u8;
typedef int32_t i32;
typedef int64_t i64;
typedef uint64_t u64;
typedef i32 fe[10];

/* secretbox.c: HSalsa20 of `key` and a 16-byte input. */
void hsalsa20(u8 out[32], const u8 key[32], const u8 input[16]);

/* What the host writes, the scalar and the point (32 bytes each), and
 * where the result goes. */
static struct {
  u8 scalar[32], point[32], result[32];
} io;

/** Where the host writes the scalar, then the point; the result follows. */
EXPORT("x25519_io") uint32_t x25519_io(void) {
  return (uint32_t)(uintptr_t)&io;
}

#define WIDTH(i) (((i) & 1) ? 25 : 26)
/* Limb i's first bit: ceil(25.5 i). */
#define POSITION(i) ((51 * (i) + 1) / 2)

/* Carries 64-bit limbs into h, rounding: each limb to within half its
 * range, limb 9's carry coming back to limb 0 times 19 (2^255 = 19). */
static void carry(fe h, i64 t[10]) {
#pragma clang loop unroll(full)
  for (int i = 0; i < 10; i++) {
    const int w = WIDTH(i);
    const i64 c = (t[i] + ((i64)1 << (w - 1))) >> w;
    t[i] -= c * ((i64)1 << w);
    if (i < 9) t[i + 1] += c;
    else t[0] += 19 * c;
  }
  const i64 c = (t[0] + ((i64)1 << 25)) >> 26;
  t[0] -= c * ((i64)1 << 26);
  t[1] += c;
#pragma clang loop unroll(full)
  for (int i = 0; i < 10; i++) h[i] = (i32)t[i];
}

/* h = f * g. Limbs i and j meet at limb i + j, one bit higher when both
 * are odd (25.5 i + 25.5 j rounds up twice), and past limb 9 they wrap
 * to limb i + j - 10 times 19. */
static void mul(fe h, const fe f, const fe g) {
  i32 g19[10], f2[10];
  i64 t[10] = {0};
#pragma clang loop unroll(full)
  for (int i = 0; i < 10; i++) {
    g19[i] = 19 * g[i];
    f2[i] = 2 * f[i];
  }
#pragma clang loop unroll(full)
  for (int i = 0; i < 10; i++) {
#pragma clang loop unroll(full)
    for (int j = 0; j < 10; j++) {
      const i64 a = (i & j & 1) ? f2[i] : f[i];
      const i64 b = i + j >= 10 ? g19[j] : g[j];
      t[(i + j) % 10] += a * b;
    }
  }
  carry(h, t);
}

/* h = f * f: mul's sum with each pair i < j once, doubled. */
static void square(fe h, const fe f) {
  i64 t[10] = {0};
#pragma clang loop unroll(full)
  for (int i = 0; i < 10; i++) {
#pragma clang loop unroll(full)
    for (int j = i; j < 10; j++) {
      const i64 a = (i64)f[i] * ((i == j ? 1 : 2) * ((i & j & 1) ? 2 : 1));
      const i64 b = i + j >= 10 ? (i64)f[j] * 19 : f[j];
      t[(i + j) % 10] += a * b;
    }
  }
  carry(h, t);
}

static void mul_small(fe h, const fe f, i32 n) {
  i64 t[10];
#pragma clang loop unroll(full)
  for (int i = 0; i < 10; i++) t[i] = (i64)f[i] * n;
  carry(h, t);
}

static void add(fe h, const fe f, const fe g) {
  for (int i = 0; i < 10; i++) h[i] = f[i] + g[i];
}

static void sub(fe h, const fe f, const fe g) {
  for (int i = 0; i < 10; i++) h[i] = f[i] - g[i];
}

static void copy(fe h, const fe f) {
  for (int i = 0; i < 10; i++) h[i] = f[i];
}

/* Swaps f and g if `bit` is 1, by a mask. */
static void swap(fe f, fe g, i32 bit) {
  const i32 mask = -bit;
  for (int i = 0; i < 10; i++) {
    const i32 x = mask & (f[i] ^ g[i]);
    f[i] ^= x;
    g[i] ^= x;
  }
}

/* f squared n times. */
static void square_times(fe h, const fe f, int n) {
  square(h, f);
  for (int i = 1; i < n; i++) square(h, h);
}

/* 1/z = z^(p - 2) = z^(2^255 - 21), by the exponents 2^k - 1. */
static void invert(fe out, const fe z) {
  fe z2, z9, z11, a, b, c;
  square(z2, z);
  square_times(a, z2, 2);
  mul(z9, a, z);          /* z^9 */
  mul(z11, z9, z2);       /* z^11 */
  square(a, z11);
  mul(a, a, z9);          /* z^(2^5 - 1) */
  square_times(b, a, 5);
  mul(b, b, a);           /* z^(2^10 - 1) */
  square_times(c, b, 10);
  mul(c, c, b);           /* z^(2^20 - 1) */
  fe d;
  square_times(d, c, 20);
  mul(d, d, c);           /* z^(2^40 - 1) */
  square_times(d, d, 10);
  mul(d, d, b);           /* z^(2^50 - 1) */
  copy(a, d);
  square_times(c, d, 50);
  mul(c, c, a);           /* z^(2^100 - 1) */
  square_times(b, c, 100);
  mul(b, b, c);           /* z^(2^200 - 1) */
  square_times(b, b, 50);
  mul(b, b, a);           /* z^(2^250 - 1) */
  square_times(b, b, 5);  /* z^(2^255 - 32) */
  mul(out, b, z11);       /* z^(2^255 - 21) */
}

/* The 255 low bits of s, little-endian, as limbs: the top bit of the
 * last byte is ignored, as RFC 7748 says of u-coordinates. */
static void from_bytes(fe h, const u8 s[32]) {
  u8 padded[40] = {0};
  __builtin_memcpy(padded, s, 32);
#pragma clang loop unroll(full)
  for (int i = 0; i < 10; i++) {
    const int at = POSITION(i);
    u64 word;
    __builtin_memcpy(&word, padded + at / 8, 8);
    h[i] = (i32)((word >> (at % 8)) & (((u64)1 << WIDTH(i)) - 1));
  }
}

/* h's value reduced mod p, little-endian: carried to limbs in their
 * ranges (floor carries, three times, as a negative or large value takes
 * two to settle), then p subtracted if the value is p or more (that is, if
 * adding 19 carries out of bit 255). */
static void to_bytes(u8 s[32], const fe f) {
  i64 t[10];
  for (int i = 0; i < 10; i++) t[i] = f[i];
  for (int pass = 0; pass < 3; pass++) {
    for (int i = 0; i < 10; i++) {
      const int w = WIDTH(i);
      const i64 c = t[i] >> w;
      t[i] -= c * ((i64)1 << w);
      if (i < 9) t[i + 1] += c;
      else t[0] += 19 * c;
    }
  }
  /* Now 0 <= value < 2^255, each limb within its width. */
  /* Whether value + 19 reaches 2^255, by a carry chain. */
  i64 q = t[0] + 19;
  for (int i = 0; i < 10; i++) {
    q >>= WIDTH(i);
    if (i < 9) q += t[i + 1];
  }
  t[0] += 19 * q;
  for (int i = 0; i < 10; i++) {
    const int w = WIDTH(i);
    const i64 c = t[i] >> w;
    t[i] -= c * ((i64)1 << w);
    if (i < 9) t[i + 1] += c;
  }
  u64 words[5] = {0};
  for (int i = 0; i < 10; i++) {
    const int at = POSITION(i);
    const u64 v = (u64)t[i];
    words[at / 64] |= v << (at % 64);
    if (at % 64 + WIDTH(i) > 64) words[at / 64 + 1] |= v >> (64 - at % 64);
  }
  __builtin_memcpy(s, words, 32);
}

/* result = scalar * point, RFC 7748's X25519; `base` if the point is the
 * base point, u = 9, whose multiplications are by a small number. */
static void ladder(u8 result[32], const u8 scalar[32], const u8 point[32],
                   int base) {
  u8 k[32];
  __builtin_memcpy(k, scalar, 32);
  k[0] &= 248;
  k[31] &= 127;
  k[31] |= 64;
  fe x1, x2 = {1}, z2 = {0}, x3, z3 = {1};
  fe a, aa, b, bb, e, c, d, da, cb;
  from_bytes(x1, point);
  copy(x3, x1);
  i32 swapped = 0;
  for (int t = 254; t >= 0; t--) {
    const i32 bit = (k[t >> 3] >> (t & 7)) & 1;
    swapped ^= bit;
    swap(x2, x3, swapped);
    swap(z2, z3, swapped);
    swapped = bit;
    add(a, x2, z2);
    square(aa, a);
    sub(b, x2, z2);
    square(bb, b);
    sub(e, aa, bb);
    add(c, x3, z3);
    sub(d, x3, z3);
    mul(da, d, a);
    mul(cb, c, b);
    add(x3, da, cb);
    square(x3, x3);
    sub(z3, da, cb);
    square(z3, z3);
    if (base) mul_small(z3, z3, 9);
    else mul(z3, z3, x1);
    mul(x2, aa, bb);
    mul_small(z2, e, 121665);
    add(z2, z2, aa);
    mul(z2, z2, e);
  }
  swap(x2, x3, swapped);
  swap(z2, z3, swapped);
  invert(z2, z2);
  mul(x2, x2, z2);
  to_bytes(result, x2);
}

/* 0 if the 32 bytes are not all zero, -1 if they are. */
static int refuse_zero(const u8 s[32]) {
  u8 any = 0;
  for (int i = 0; i < 32; i++) any |= s[i];
  return -(int)(1 & ((any - 1) >> 8));
}

/**
 * result = X25519(scalar, point).
 *
 * @returns 0, or -1 if the result is all zero (the point has small order),
 * as libsodium's crypto_scalarmult.
 */
EXPORT("x25519") int x25519(void) {
  ladder(io.result, io.scalar, io.point, 0);
  return refuse_zero(io.result);
}

/** result = X25519(scalar, 9): the public key of a secret scalar. */
EXPORT("x25519_base") void x25519_base(void) {
  static const u8 nine[32] = {9};
  ladder(io.result, io.scalar, nine, 1);
}

/**
 * result = crypto_box_beforenm(point, scalar): HSalsa20 of the shared
 * point with a zero input.
 *
 * @returns 0, or -1 if the shared point is all zero (nothing is shared).
 */
EXPORT("beforenm") int beforenm(void) {
  u8 shared[32];
  static const u8 zero[16] = {0};
  ladder(shared, io.scalar, io.point, 0);
  const int refused = refuse_zero(shared);
  hsalsa20(io.result, shared, zero);
  return refused;
}

/** result = point mod p, canonical: to_bytes' reduction, for the tests. */
EXPORT("x25519_canonical") void x25519_canonical(void) {
  fe f;
  from_bytes(f, io.point);
  to_bytes(io.result, f);
}
