// Reads JSON text token by token, for code that works on the text as written instead of on a
// parsed tree: white space, literals, strings, numbers, the extent of a value, the punctuation of
// objects and arrays, and a walk over the structure alone. It is the one lexer of the project:
// what a string, a number or a nested value is gets decided here and nowhere else, on top of
// json_scan.hpp's block searches. Nothing allocates, every read checks the end of the text, and
// nothing is read outside it. A lexer is a cursor over one text: cheap to make, used by one
// thread.
//
// Two strengths of reading, for two kinds of caller. string() and number() check their token
// fully (RFC 8259), for a reader that copies tokens into its output. skip_string(), skip_value()
// and to_structural() only step over what they cross, looking at quotes, escapes and brackets,
// for a reader that checks later or counts: they accept some text that is not JSON.
//
// string() reads only the strings that a JSON writer writes back byte for byte: escapes are
// limited to \" \\ \b \f \n \r \t. A \/ or \uXXXX escape, which a writer would write back decoded,
// makes it return false, as a syntax error does; a reader that meets one leaves the text to a
// full parser.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "callsink/base/json_scan.hpp"
#include "callsink/base/utf8.hpp"

namespace callsink {

// A number as RFC 8259 section 6 writes it.
struct JsonNumber {
    std::string_view text;
    std::size_t integer_digits = 0;  // before any fraction or exponent, without the sign
    bool is_float = false;           // has a fraction or an exponent
};

class JsonLexer {
  public:
    explicit JsonLexer(std::string_view text)
        : begin_(text.data()), p_(text.data()), end_(text.data() + text.size()) {}

    bool done() const { return p_ == end_; }
    char const* position() const { return p_; }
    // Bytes from the start of the text to the cursor.
    std::size_t offset() const { return static_cast<std::size_t>(p_ - begin_); }
    // The byte at the cursor; '\0' at the end.
    char peek() const { return p_ == end_ ? '\0' : *p_; }

    void skip_space() {
        while (p_ != end_ && is_space(*p_)) {
            ++p_;
        }
    }

    bool eat(char c) {
        if (p_ != end_ && *p_ == c) {
            ++p_;
            return true;
        }
        return false;
    }

    // A literal (true, false, null) or any other exact text.
    bool eat(std::string_view word) {
        if (static_cast<std::size_t>(end_ - p_) < word.size() ||
            std::string_view(p_, word.size()) != word) {
            return false;
        }
        p_ += word.size();
        return true;
    }

    // The string at the cursor; `content` is its text between the quotes, as written. Its escapes
    // must be among those above, and its bytes valid UTF-8 (RFC 3629) with no control byte.
    bool string(std::string_view& content) {
        if (!eat('"')) {
            return false;
        }
        char const* const begin = p_;
        bool ascii = true;
        for (;;) {
            p_ = json_scan::string_special(p_, end_);
            if (p_ == end_) {
                return false;
            }
            switch (class_of(kStringBytes, *p_)) {
                case kQuote:
                    content = std::string_view(begin, static_cast<std::size_t>(p_ - begin));
                    ++p_;
                    return ascii || utf8::is_valid(content);
                case kBackslash:
                    if (++p_ == end_ ||
                        std::string_view("\"\\bfnrt").find(*p_) == std::string_view::npos) {
                        return false;
                    }
                    break;
                case kControl:
                    return false;
                default:  // kHigh
                    ascii = false;
                    break;
            }
            ++p_;
        }
    }

    // The number at the cursor (RFC 8259 section 6): stricter than from_chars, so no leading '+'
    // or '.', no "inf" or "nan". A leading zero ends the number ("01" reads as 0, then "1" is
    // left at the cursor).
    bool number(JsonNumber& number) {
        char const* const begin = p_;
        bool const negative = eat('-');
        if (!eat('0') && !digits()) {
            return false;
        }
        number.integer_digits = static_cast<std::size_t>(p_ - begin) - (negative ? 1 : 0);
        number.is_float = false;
        if (eat('.')) {
            number.is_float = true;
            if (!digits()) {
                return false;
            }
        }
        if (eat('e') || eat('E')) {
            number.is_float = true;
            if (!eat('+')) {
                eat('-');
            }
            if (!digits()) {
                return false;
            }
        }
        number.text = std::string_view(begin, static_cast<std::size_t>(p_ - begin));
        return true;
    }

    // The object at the cursor, '{' to '}': each member's key is read with string() and its
    // colon stepped over, then `member(key)` is called with the cursor on the value, which it
    // must read or skip. False on a syntax error or when `member` returns false.
    template <class Member>
    bool object(Member const& member) {
        return sequence('{', '}', [&] {
            std::string_view key;
            if (!string(key)) {
                return false;
            }
            skip_space();
            if (!eat(':')) {
                return false;
            }
            skip_space();
            return member(key);
        });
    }

    // The array at the cursor, '[' to ']': `element()` is called with the cursor on each element,
    // which it must read or skip.
    template <class Element>
    bool array(Element const& element) {
        return sequence('[', ']', element);
    }

    // Steps over the string at the cursor, to just past its closing quote, stepping over each
    // escape's next byte without checking it. False, at the end of the text, when it never closes.
    bool skip_string() {
        ++p_;  // the opening quote
        for (;;) {
            p_ = json_scan::string_end(p_, end_);
            if (p_ == end_) {
                return false;
            }
            if (*p_++ == '"') {
                return true;
            }
            if (p_ == end_) {
                return false;
            }
            ++p_;  // the escaped byte, whatever it is
        }
    }

    // Steps over the value at the cursor and gives its text: a string to its closing quote, an
    // object or array to its matching bracket (strings inside skipped), anything else up to the
    // next white space, ',', '}' or ']'. Nothing else is checked: the caller reads the value
    // itself when it needs it.
    bool skip_value(std::string_view& value) {
        char const* const begin = p_;
        if (peek() == '"') {
            if (!skip_string()) {
                return false;
            }
        } else if (peek() == '{' || peek() == '[') {
            std::size_t depth = 0;
            do {
                p_ = json_scan::container_special(p_, end_);
                if (p_ == end_) {
                    return false;
                }
                switch (class_of(kContainerBytes, *p_)) {
                    case kQuote:
                        if (!skip_string()) {
                            return false;
                        }
                        continue;
                    case kOpen:
                        ++depth;
                        break;
                    default:  // kClose
                        --depth;
                        break;
                }
                ++p_;
            } while (depth > 0);
        } else {
            while (p_ != end_ && !is_space(*p_) && *p_ != ',' && *p_ != '}' && *p_ != ']') {
                ++p_;
            }
        }
        value = std::string_view(begin, static_cast<std::size_t>(p_ - begin));
        return !value.empty();
    }

    // Moves to the next '"', '{', '[', '}', ']' or ':'; false at the end of the text. For a walk
    // over the nesting and the members alone, which steps over each string it meets with
    // skip_string() and over everything else with eat(peek()).
    bool to_structural() {
        p_ = json_scan::structural(p_, end_);
        return p_ != end_;
    }

  private:
    static bool is_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

    // What a byte is, once json_scan has found one that matters: a test per byte instead of four
    // or five.
    enum ByteClass : std::uint8_t {
        kPlain = 0,
        kQuote = 1,      // "
        kBackslash = 2,  // a backslash
        kControl = 3,    // below 0x20: not allowed in a string
        kHigh = 4,       // 0x80 and above: part of a UTF-8 sequence
        kOpen = 5,       // { [
        kClose = 6,      // } ]
    };

    static constexpr std::array<std::uint8_t, 256> kStringBytes = [] {
        std::array<std::uint8_t, 256> table{};
        for (int c = 0; c < 0x20; ++c) {
            table[static_cast<std::size_t>(c)] = kControl;
        }
        for (int c = 0x80; c < 0x100; ++c) {
            table[static_cast<std::size_t>(c)] = kHigh;
        }
        table['"'] = kQuote;
        table['\\'] = kBackslash;
        return table;
    }();

    // Inside a container, outside strings: only quotes and brackets matter.
    static constexpr std::array<std::uint8_t, 256> kContainerBytes = [] {
        std::array<std::uint8_t, 256> table{};
        table['"'] = kQuote;
        table['{'] = kOpen;
        table['['] = kOpen;
        table['}'] = kClose;
        table[']'] = kClose;
        return table;
    }();

    static std::uint8_t class_of(std::array<std::uint8_t, 256> const& table, char c) {
        return table[static_cast<unsigned char>(c)];
    }

    // One or more; a leading zero is the caller's business.
    bool digits() {
        if (p_ == end_ || *p_ < '0' || *p_ > '9') {
            return false;
        }
        do {
            ++p_;
        } while (p_ != end_ && *p_ >= '0' && *p_ <= '9');
        return true;
    }

    // `open`, elements separated by commas, `close`, with white space between any two.
    template <class Element>
    bool sequence(char open, char close, Element const& element) {
        if (!eat(open)) {
            return false;
        }
        skip_space();
        if (eat(close)) {
            return true;
        }
        for (;;) {
            if (!element()) {
                return false;
            }
            skip_space();
            if (!eat(',')) {
                return eat(close);
            }
            skip_space();
        }
    }

    char const* begin_;
    char const* p_;
    char const* end_;
};

}  // namespace callsink
