// Finds the next byte that matters in JSON text: the end of a string, a byte a string may not
// hold as it is, a bracket, or a bracket or colon. JsonLexer (json_lexer.hpp) is built on these:
// the one-pass encoder crosses every byte of a delivery two or three times in its loops, and a
// byte at a time they were a fifth of the daemon's instructions (docs/performance.md). So they
// test 16 bytes at once where the CPU has SSE2 (every x86-64), and fall back to a byte loop
// elsewhere and for the last bytes. Each function returns the first byte in [p, end) that is in
// its set, or `end`, and reads nothing outside [p, end).
#pragma once

#include <cstddef>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace callsink::json_scan {

namespace detail {

inline bool is_string_end(unsigned char c) {
    return c == '"' || c == '\\';
}

inline bool is_string_special(unsigned char c) {
    return c == '"' || c == '\\' || c < 0x20 || c >= 0x80;
}

inline bool is_container_special(unsigned char c) {
    return c == '"' || c == '{' || c == '[' || c == '}' || c == ']';
}

inline bool is_structural(unsigned char c) {
    return is_container_special(c) || c == ':';
}

#if defined(__SSE2__)
inline __m128i bytes(char c) {
    return _mm_set1_epi8(c);
}

// Each returns a 16-bit mask of the bytes in `block` that are in its set.
inline int string_ends(__m128i block) {
    __m128i const hits =
        _mm_or_si128(_mm_cmpeq_epi8(block, bytes('"')), _mm_cmpeq_epi8(block, bytes('\\')));
    return _mm_movemask_epi8(hits);
}

inline int string_specials(__m128i block) {
    // A signed compare: bytes of 0x80 and above are negative, so "below 0x20" takes them too.
    __m128i const hits = _mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(block, bytes('"')), _mm_cmpeq_epi8(block, bytes('\\'))),
        _mm_cmplt_epi8(block, bytes(0x20)));
    return _mm_movemask_epi8(hits);
}

inline int container_specials(__m128i block) {
    // '[' and '{', ']' and '}' differ only in bit 0x20: setting it folds each pair into one.
    __m128i const folded = _mm_or_si128(block, bytes(0x20));
    __m128i const hits = _mm_or_si128(
        _mm_cmpeq_epi8(block, bytes('"')),
        _mm_or_si128(_mm_cmpeq_epi8(folded, bytes('{')), _mm_cmpeq_epi8(folded, bytes('}'))));
    return _mm_movemask_epi8(hits);
}

inline int structurals(__m128i block) {
    return container_specials(block) | _mm_movemask_epi8(_mm_cmpeq_epi8(block, bytes(':')));
}
#else
// No block test: find() goes a byte at a time.
inline constexpr std::nullptr_t string_ends = nullptr;
inline constexpr std::nullptr_t string_specials = nullptr;
inline constexpr std::nullptr_t container_specials = nullptr;
inline constexpr std::nullptr_t structurals = nullptr;
#endif

template <typename BlockMask, typename IsSpecial>
char const* find(char const* p, char const* end, [[maybe_unused]] BlockMask block_mask,
                 IsSpecial is_special) {
#if defined(__SSE2__)
    while (end - p >= 16) {
        int const mask = block_mask(_mm_loadu_si128(reinterpret_cast<__m128i const*>(p)));
        if (mask != 0) {
            return p + __builtin_ctz(static_cast<unsigned>(mask));
        }
        p += 16;
    }
#endif
    while (p != end && !is_special(static_cast<unsigned char>(*p))) {
        ++p;
    }
    return p;
}

}  // namespace detail

// The next '"' or backslash: where a string whose content is checked later ends, or an escape.
inline char const* string_end(char const* p, char const* end) {
    return detail::find(p, end, detail::string_ends, detail::is_string_end);
}

// The next '"', backslash, control byte (below 0x20) or byte of a UTF-8 sequence (0x80 and
// above): everything in a string that is not plain printable ASCII.
inline char const* string_special(char const* p, char const* end) {
    return detail::find(p, end, detail::string_specials, detail::is_string_special);
}

// The next '"', '{', '[', '}' or ']': what a scan over a container, outside its strings, stops at.
inline char const* container_special(char const* p, char const* end) {
    return detail::find(p, end, detail::container_specials, detail::is_container_special);
}

// The next '"', '{', '[', '}', ']' or ':': what a walk over the structure stops at, a member's
// colon included.
inline char const* structural(char const* p, char const* end) {
    return detail::find(p, end, detail::structurals, detail::is_structural);
}

}  // namespace callsink::json_scan
