#include "callsink/events/msisdn_text_scrubber.hpp"

#include <algorithm>
#include <cstddef>

#include "callsink/events/msisdn_privacy.hpp"
#include "callsink/events/number_field_names.hpp"

namespace callsink {
namespace {

constexpr std::size_t kMinTextNumberDigits = 7;  // after a plus sign in free text
constexpr std::size_t kMaxSeparatorRun = 2;      // ") " in "+1 (231) 437-7870"

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

char ascii_lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool has_digit(std::string_view text) {
    return std::any_of(text.begin(), text.end(), is_digit);
}

// One left-to-right pass over raw text; every byte is looked at a bounded number of times.
class TextScrubber {
  public:
    TextScrubber(MsisdnPrivacy const& privacy, std::string_view text)
        : privacy_(privacy),
          names_(privacy.number_fields()),
          longest_name_(names_.longest()),
          text_(text) {
        out_.reserve(text.size() + 32);
    }

    std::string run() && {
        while (pos_ < text_.size()) {
            std::size_t const next = text_.find_first_of("\"+%\\", pos_);
            if (next == std::string_view::npos) {
                out_.append(text_.substr(pos_));
                break;
            }
            out_.append(text_.substr(pos_, next - pos_));
            pos_ = next;
            if (!scrub_number_field() && !scrub_plus_number()) {
                out_.push_back(text_[pos_++]);
            }
        }
        return std::move(out_);
    }

  private:
    char at(std::size_t i) const { return i < text_.size() ? text_[i] : '\0'; }

    // "+", "%2B" (URL encoding) or "\u002B" (a JSON escape) at `i`: its length, else 0.
    std::size_t plus_sign_length(std::size_t i) const {
        if (at(i) == '+') {
            return 1;
        }
        if (at(i) == '%' && at(i + 1) == '2' && ascii_lower(at(i + 2)) == 'b') {
            return 3;
        }
        if (at(i) == '\\' && at(i + 1) == 'u' && at(i + 2) == '0' && at(i + 3) == '0' &&
            at(i + 4) == '2' && ascii_lower(at(i + 5)) == 'b') {
            return 6;
        }
        return 0;
    }

    static bool is_separator(char c) {
        return c == ' ' || c == '-' || c == '.' || c == '(' || c == ')';
    }

    static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

    // What may follow the first character of a JSON number.
    static bool is_number_char(char c) {
        return is_digit(c) || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-';
    }

    // Digits from `i`, where up to kMaxSeparatorRun separators may sit between two digits. Returns
    // the end of the last digit and counts the digits.
    std::size_t digits_end(std::size_t i, std::size_t& digits) const {
        digits = 0;
        std::size_t end = i;
        while (i < text_.size()) {
            if (is_digit(text_[i])) {
                ++digits;
                end = ++i;
                continue;
            }
            std::size_t j = i;
            while (j < text_.size() && j - i < kMaxSeparatorRun && is_separator(text_[j])) {
                ++j;
            }
            if (digits == 0 || j == i || !is_digit(at(j))) {
                break;
            }
            i = j;
        }
        return end;
    }

    // The number text_[start, end) that starts with a plus sign of `plus_length` bytes. A mask
    // keeps the plus sign as written; a token replaces it too.
    void write_number(std::size_t start, std::size_t plus_length, std::size_t end) {
        std::string_view const number =
            text_.substr(start + plus_length, end - start - plus_length);
        if (privacy_.policy() != MsisdnPolicy::hash || !has_digit(number)) {
            out_.append(text_.substr(start, plus_length));
        }
        out_.append(privacy_.protect_number(number));
    }

    bool scrub_plus_number() {
        std::size_t const plus_length = plus_sign_length(pos_);
        if (plus_length == 0) {
            return false;
        }
        std::size_t digits = 0;
        std::size_t const end = digits_end(pos_ + plus_length, digits);
        if (digits < kMinTextNumberDigits) {
            return false;
        }
        write_number(pos_, plus_length, end);
        pos_ = end;
        return true;
    }

    // At a '"': a member named like a number field, ':' and its value. The key may close with \"
    // when the JSON sits inside a JSON string (eventData, errorMsg), and then so does the value.
    bool scrub_number_field() {
        if (at(pos_) != '"') {
            return false;
        }
        std::size_t i = pos_ + 1;
        std::size_t const name_start = i;
        while (i < text_.size() && i - name_start <= longest_name_ && text_[i] != '"' &&
               text_[i] != '\\') {
            ++i;
        }
        if (!names_.contains(text_.substr(name_start, i - name_start))) {
            return false;
        }
        bool const nested = at(i) == '\\';
        i += nested ? 1 : 0;
        if (at(i) != '"') {
            return false;
        }
        ++i;
        while (is_space(at(i))) {
            ++i;
        }
        if (at(i) != ':') {
            return false;
        }
        ++i;
        while (is_space(at(i))) {
            ++i;
        }
        return scrub_value(i, nested);
    }

    // A string value up to its closing quote, or a number value. A string that never closes (a
    // body cut short) ends with the text. Inside a JSON string (`nested`) the quotes are \"
    // and the value ends at the next quote, whose backslash is not part of it.
    bool scrub_value(std::size_t i, bool nested) {
        std::string_view const quote = nested ? "\\\"" : "\"";
        if (text_.substr(i).starts_with(quote)) {
            std::size_t const start = i + quote.size();
            std::size_t end = start;
            while (end < text_.size() && text_[end] != '"') {
                end += !nested && text_[end] == '\\' ? 2 : 1;
            }
            end = std::min(end, text_.size());
            if (nested && at(end) == '"' && end > start && text_[end - 1] == '\\') {
                --end;
            }
            write_value(start, end, "");
            return true;
        }
        if (is_digit(at(i)) || at(i) == '+' || at(i) == '-') {
            std::size_t end = i + 1;
            while (end < text_.size() && is_number_char(text_[end])) {
                ++end;
            }
            write_value(i, end, quote);
            return true;
        }
        return false;
    }

    // Copies the text up to the value, then the protected value; a number value is written as a
    // string (`quote`), since a mask or a token is no longer a JSON number.
    void write_value(std::size_t start, std::size_t end, std::string_view quote) {
        out_.append(text_.substr(pos_, start - pos_));
        std::size_t const plus_length = plus_sign_length(start);
        out_.append(quote);
        if (plus_length > 1 && start + plus_length <= end) {
            write_number(start, plus_length, end);
        } else {
            out_.append(privacy_.protect_number(text_.substr(start, end - start)));
        }
        out_.append(quote);
        pos_ = end;
    }

    MsisdnPrivacy const& privacy_;
    NumberFieldNames const& names_;
    std::size_t longest_name_;
    std::string_view text_;
    std::string out_;
    std::size_t pos_ = 0;
};

}  // namespace

std::string scrub_numbers_in_text(std::string_view text, MsisdnPrivacy const& privacy) {
    return TextScrubber(privacy, text).run();
}

}  // namespace callsink
