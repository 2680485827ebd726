#include "proxy/json_tokens.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include <boost/json.hpp>
#include <boost/json/basic_parser_impl.hpp>
#if defined(__x86_64__)
#include <immintrin.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace warden::proxy {

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool Hex4(const char* p, const char* end, unsigned& unit) {
  if (end - p < 4) return false;
  unit = 0;
  for (int i = 0; i < 4; ++i) {
    const char c = p[i];
    const int digit = c >= '0' && c <= '9'   ? c - '0'
                      : c >= 'a' && c <= 'f' ? c - 'a' + 10
                      : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                             : -1;
    if (digit < 0) return false;
    unit = unit * 16 + unsigned(digit);
  }
  return true;
}

// A \u escape: `p` at its backslash, inside a string content ending at `end`. Sets `next` past
// it. Surrogates as Boost.JSON takes them: a leading one only with a trailing one right after it.
bool ValidUnicodeEscape(const char* p, const char* end, const char*& next) {
  unsigned unit = 0;
  if (!Hex4(p + 2, end, unit)) return false;
  p += 6;
  if (unit >= 0xDC00 && unit <= 0xDFFF) return false;
  if (unit >= 0xD800 && unit <= 0xDBFF) {
    unsigned trailing = 0;
    if (end - p < 2 || p[0] != '\\' || p[1] != 'u' || !Hex4(p + 2, end, trailing) ||
        trailing < 0xDC00 || trailing > 0xDFFF) {
      return false;
    }
    p += 6;
  }
  next = p;
  return true;
}

// 64 bytes of a string's content as bit masks, bit i for byte i.
struct ChunkBits {
  std::uint64_t backslash = 0;
  std::uint64_t common_escape = 0;  // n, " and \: what most escapes are (\n, \", \\)
};

// `p`: 64 readable bytes. SSE2 (every x86-64 has it), else byte by byte.
ChunkBits ClassifyPortable(const char* p) {
  ChunkBits bits;
#if defined(__SSE2__)
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i n = _mm_set1_epi8('n');
  for (int lane = 0; lane < 4; ++lane) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * lane));
    const __m128i is_backslash = _mm_cmpeq_epi8(v, backslash);
    const __m128i is_common =
        _mm_or_si128(is_backslash, _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, n)));
    const auto bits_of = [](__m128i m) {
      return std::uint64_t(static_cast<unsigned>(_mm_movemask_epi8(m)));
    };
    bits.backslash |= bits_of(is_backslash) << (16 * lane);
    bits.common_escape |= bits_of(is_common) << (16 * lane);
  }
#else
  for (int i = 0; i < 64; ++i) {
    bits.backslash |= std::uint64_t(p[i] == '\\') << i;
    bits.common_escape |= std::uint64_t(p[i] == '\\' || p[i] == '"' || p[i] == 'n') << i;
  }
#endif
  return bits;
}

// What may follow a backslash, 'u' apart: " \ / b f n r t.
constexpr bool IsSimpleEscape(char c) {
  return c == '"' || c == '\\' || c == '/' || c == 'b' || c == 'f' || c == 'n' || c == 'r' ||
         c == 't';
}
struct SimpleEscapeTable {
  bool simple[256] = {};
  constexpr SimpleEscapeTable() {
    for (int c = 0; c < 256; ++c) simple[c] = IsSimpleEscape(static_cast<char>(c));
  }
};
constexpr SimpleEscapeTable kSimpleEscape;

// Which backslashes of a chunk escape the byte after them, when its byte 0 is not escaped. In a
// run of backslashes, the first, third, fifth... do (the others are escaped by the one before).
// Adding a run's first bit to the mask clears the run, which marks the runs that start on an even
// bit; those escape on their even bits, the others on their odd bits.
constexpr std::uint64_t Escaping(std::uint64_t backslash) {
  constexpr std::uint64_t kEvenBits = 0x5555555555555555ULL;
  const std::uint64_t run_starts = backslash & ~(backslash << 1);
  const std::uint64_t runs_from_even = backslash & ~(backslash + (run_starts & kEvenBits));
  return (runs_from_even & kEvenBits) | (backslash & ~runs_from_even & ~kEvenBits);
}

// Chunks classified per step: 1 KiB, so the classifier is called once per block (through a
// pointer: the AVX-512 one is compiled for that ISA alone, and the bit arithmetic below stays in
// general registers, not AVX-512's mask registers, where every step waits on one port).
constexpr std::size_t kBlockChunks = 16;
using ClassifyBlock = void (*)(const char* block, const char* end, ChunkBits* bits,
                               std::size_t chunks);

// `block`: the first of `chunks` chunks, the last one possibly cut short by `end`.
void ClassifyBlockPortable(const char* block, const char* end, ChunkBits* bits,
                           std::size_t chunks) {
  for (std::size_t i = 0; i < chunks; ++i) {
    const char* chunk = block + 64 * i;
    if (end - chunk >= 64) {
      bits[i] = ClassifyPortable(chunk);
    } else {
      char tail[64] = {};  // zeros: not a backslash, not an escape
      std::memcpy(tail, chunk, std::size_t(end - chunk));
      bits[i] = ClassifyPortable(tail);
    }
  }
}

#if defined(__x86_64__) && defined(__GNUC__)
#define WARDEN_ESCAPES_AVX512 1
// The same with AVX-512BW: a chunk is one load and three compares into mask registers, where SSE2
// takes four of each and the moves between. The last chunk is a masked load, which reads nothing
// past `end`.
__attribute__((target("avx512f,avx512bw"))) void ClassifyBlockAvx512(const char* block,
                                                                     const char* end,
                                                                     ChunkBits* bits,
                                                                     std::size_t chunks) {
  const __m512i backslash = _mm512_set1_epi8('\\');
  const __m512i quote = _mm512_set1_epi8('"');
  const __m512i n = _mm512_set1_epi8('n');
  for (std::size_t i = 0; i < chunks; ++i) {
    const char* chunk = block + 64 * i;
    const std::size_t left = std::size_t(end - chunk);
    const __m512i v = left >= 64 ? _mm512_loadu_si512(chunk)
                                 : _mm512_maskz_loadu_epi8((std::uint64_t(1) << left) - 1, chunk);
    const __mmask64 is_backslash = _mm512_cmpeq_epi8_mask(v, backslash);
    bits[i].backslash = _cvtmask64_u64(is_backslash);
    bits[i].common_escape = _cvtmask64_u64(_kor_mask64(
        is_backslash, _kor_mask64(_mm512_cmpeq_epi8_mask(v, quote), _mm512_cmpeq_epi8_mask(v, n))));
  }
}
#endif

// From the first backslash `first` of a content ending at `end`: where the first invalid escape
// is (its backslash, or `end` for a backslash left last), or nullptr when there is none.
const char* ScanEscapes(const char* first, const char* end, ClassifyBlock classify) {
  std::uint64_t carry = 0;           // byte 0 of this chunk is escaped
  const char* unicode_next = first;  // \u escapes end here or later (a pair is checked at once)
  ChunkBits block_bits[kBlockChunks];
  for (const char* block = first; block < end; block += 64 * kBlockChunks) {
    const std::size_t chunks = std::min(kBlockChunks, (std::size_t(end - block) + 63) / 64);
    classify(block, end, block_bits, chunks);
    for (std::size_t i = 0; i < chunks; ++i) {
      const char* chunk = block + 64 * i;
      const ChunkBits bits = block_bits[i];
      // The carry in is rare (a chunk ending in an escaping backslash): branching on it, rather
      // than masking with it, keeps it off the chain from one chunk to the next.
      std::uint64_t escaping = Escaping(bits.backslash);
      if (carry != 0) [[unlikely]]
        escaping = Escaping(bits.backslash & ~std::uint64_t(1));
      const std::uint64_t escaped = (escaping << 1) | carry;
      carry = escaping >> 63;
      // The escaped bytes other than n, " and \ one by one: valid text has few.
      for (std::uint64_t rare = escaped & ~bits.common_escape; rare != 0; rare &= rare - 1) {
        const char* at = chunk + __builtin_ctzll(rare);  // the escaped byte
        if (at >= end) return end;
        if (kSimpleEscape.simple[static_cast<unsigned char>(*at)]) continue;
        if (*at != 'u') return at - 1;
        if (at - 1 >= unicode_next && !ValidUnicodeEscape(at - 1, end, unicode_next)) {
          return at - 1;
        }
      }
    }
  }
  return carry == 0 ? nullptr : end;
}

EscapeScan BestEscapeScan() {
#if defined(WARDEN_ESCAPES_AVX512)
  static const EscapeScan best =
      __builtin_cpu_supports("avx512bw") ? EscapeScan::kAvx512 : EscapeScan::kPortable;
  return best;
#else
  return EscapeScan::kPortable;
#endif
}

}  // namespace

bool EscapeScanAvailable(EscapeScan scan) {
  return scan == EscapeScan::kPortable || BestEscapeScan() == scan;
}

// The escapes of a string literal's content or of a whole document (json_tokens.hpp says why the
// verdict is the same; the structural index has already refused control characters in strings
// and invalid UTF-8), checked in place 64 bytes at a time without a branch per escape. Decoding
// the strings instead (simdjson's get_string) cost ~10 ns an escape, and agent prompts quoting
// code have one every 15–30 bytes.
std::size_t InvalidEscapeOffsetWith(EscapeScan scan, std::string_view text) {
  const char* const end = text.data() + text.size();
  const auto* first = static_cast<const char*>(std::memchr(text.data(), '\\', text.size()));
  if (first == nullptr) return std::string_view::npos;
  const char* invalid = nullptr;
#if defined(WARDEN_ESCAPES_AVX512)
  if (scan == EscapeScan::kAvx512 && BestEscapeScan() == EscapeScan::kAvx512) {
    invalid = ScanEscapes(first, end, ClassifyBlockAvx512);
  } else {
    invalid = ScanEscapes(first, end, ClassifyBlockPortable);
  }
#else
  (void)scan;
  invalid = ScanEscapes(first, end, ClassifyBlockPortable);
#endif
  return invalid == nullptr ? std::string_view::npos : std::size_t(invalid - text.data());
}

std::size_t InvalidEscapeOffset(std::string_view text) {
  return InvalidEscapeOffsetWith(BestEscapeScan(), text);
}

bool ValidStringEscapesWith(EscapeScan scan, std::string_view text) {
  return InvalidEscapeOffsetWith(scan, text) == std::string_view::npos;
}

namespace {

constexpr std::uint64_t kIntMax = 2147483647;

// Boost.JSON's parser on one number, without building anything.
struct NumberOnly {
  static constexpr std::size_t max_object_size = 0;
  static constexpr std::size_t max_array_size = 0;
  static constexpr std::size_t max_key_size = 0;
  static constexpr std::size_t max_string_size = 0;
  bool on_document_begin(boost::system::error_code&) { return true; }
  bool on_document_end(boost::system::error_code&) { return true; }
  bool on_object_begin(boost::system::error_code&) { return false; }
  bool on_object_end(std::size_t, boost::system::error_code&) { return false; }
  bool on_array_begin(boost::system::error_code&) { return false; }
  bool on_array_end(std::size_t, boost::system::error_code&) { return false; }
  bool on_key_part(std::string_view, std::size_t, boost::system::error_code&) { return false; }
  bool on_key(std::string_view, std::size_t, boost::system::error_code&) { return false; }
  bool on_string_part(std::string_view, std::size_t, boost::system::error_code&) { return false; }
  bool on_string(std::string_view, std::size_t, boost::system::error_code&) { return false; }
  bool on_number_part(std::string_view, boost::system::error_code&) { return true; }
  bool on_int64(std::int64_t, std::string_view, boost::system::error_code&) { return true; }
  bool on_uint64(std::uint64_t, std::string_view, boost::system::error_code&) { return true; }
  bool on_double(double, std::string_view, boost::system::error_code&) { return true; }
  bool on_bool(bool, boost::system::error_code&) { return false; }
  bool on_null(boost::system::error_code&) { return false; }
  bool on_comment_part(std::string_view, boost::system::error_code&) { return false; }
  bool on_comment(std::string_view, boost::system::error_code&) { return false; }
};

bool BoostTakesNumber(std::string_view number) {
  boost::json::basic_parser<NumberOnly> parser(boost::json::parse_options{});
  boost::system::error_code ec;
  const std::size_t n = parser.write_some(false, number.data(), number.size(), ec);
  return !ec && n == number.size();
}

}  // namespace

// `token` is a number as the structural index cut it (trailing whitespace included).
bool ValidNumberToken(std::string_view token) {
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t' || token.back() == '\n' ||
                            token.back() == '\r')) {
    token.remove_suffix(1);
  }
  std::size_t i = 0;
  const std::size_t n = token.size();
  if (i < n && token[i] == '-') ++i;
  if (i >= n) return false;
  if (token[i] == '0') {
    ++i;
  } else if (IsDigit(token[i])) {
    while (i < n && IsDigit(token[i])) ++i;
  } else {
    return false;
  }
  if (i < n && token[i] == '.') {
    const std::size_t digits = ++i;
    while (i < n && IsDigit(token[i])) ++i;
    if (i == digits) return false;
  }
  if (i < n && (token[i] == 'e' || token[i] == 'E')) {
    ++i;
    if (i < n && (token[i] == '+' || token[i] == '-')) ++i;
    const std::size_t digits = i;
    while (i < n && IsDigit(token[i])) ++i;
    if (i == digits) return false;
    // Boost.JSON refuses an exponent past INT_MAX, and one within the mantissa's digit count of
    // INT_MAX when its decimal shift (the digits it could not keep, or the fraction's) would carry
    // it past. Only in that narrow band does it have to be asked.
    std::uint64_t exponent = 0;
    for (std::size_t k = digits; k < i && exponent <= kIntMax; ++k) {
      exponent = exponent * 10 + std::uint64_t(token[k] - '0');
    }
    if (exponent > kIntMax) return false;
    if (exponent > kIntMax - std::min<std::uint64_t>(i, kIntMax) &&
        !BoostTakesNumber(token.substr(0, i))) {
      return false;
    }
  }
  return i == n;
}

}  // namespace warden::proxy
