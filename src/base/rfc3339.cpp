#include "callsink/base/rfc3339.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>

namespace callsink::rfc3339 {
namespace {

// A cursor over the text; every read either consumes what it expects or reports false.
class Scanner {
  public:
    explicit Scanner(std::string_view text) : text_(text) {}

    bool number(std::size_t digits, int& value) {
        if (text_.size() - pos_ < digits) {
            return false;
        }
        value = 0;
        for (std::size_t i = 0; i < digits; ++i) {
            char const c = text_[pos_ + i];
            if (c < '0' || c > '9') {
                return false;
            }
            value = value * 10 + (c - '0');
        }
        pos_ += digits;
        return true;
    }

    bool accept(char c) {
        if (pos_ < text_.size() && text_[pos_] == c) {
            ++pos_;
            return true;
        }
        return false;
    }

    bool accept_any_of(std::string_view choices) {
        return pos_ < text_.size() && choices.find(text_[pos_]) != std::string_view::npos &&
               accept(text_[pos_]);
    }

    // Fractional seconds: any number of digits, the first three kept as milliseconds.
    bool fraction_ms(int& milliseconds) {
        std::size_t const start = pos_;
        milliseconds = 0;
        while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
            if (pos_ - start < 3) {
                milliseconds = milliseconds * 10 + (text_[pos_] - '0');
            }
            ++pos_;
        }
        for (std::size_t kept = pos_ - start; kept < 3; ++kept) {
            milliseconds *= 10;  // ".3" is 300 ms
        }
        return pos_ > start;
    }

    bool at_end() const { return pos_ == text_.size(); }

  private:
    std::string_view text_;
    std::size_t pos_ = 0;
};

bool is_leap_year(int year) {
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int days_in_month(int year, int month) {
    constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && is_leap_year(year) ? 29 : kDays[month - 1];
}

// The fields of a date-time, as read; the fraction is kept to milliseconds.
struct Parts {
    int year = 0;
    int month = 0;
    int day = 0;
    int hour = 0;
    int minute = 0;
    int second = 0;
    int millisecond = 0;
    int offset_minutes = 0;  // east of UTC
};

bool full_date(Scanner& in, Parts& parts) {
    return in.number(4, parts.year) && in.accept('-') && in.number(2, parts.month) &&
           parts.month >= 1 && parts.month <= 12 && in.accept('-') && in.number(2, parts.day) &&
           parts.day >= 1 && parts.day <= days_in_month(parts.year, parts.month);
}

bool partial_time(Scanner& in, Parts& parts) {
    bool const whole = in.number(2, parts.hour) && parts.hour <= 23 && in.accept(':') &&
                       in.number(2, parts.minute) && parts.minute <= 59 && in.accept(':') &&
                       in.number(2, parts.second) && parts.second <= 60;  // 60: a leap second
    return whole && (!in.accept('.') || in.fraction_ms(parts.millisecond));
}

bool time_offset(Scanner& in, Parts& parts) {
    if (in.accept_any_of("Zz")) {
        return true;
    }
    bool const east = in.accept('+');
    if (!east && !in.accept('-')) {
        return false;
    }
    int hour = 0;
    int minute = 0;
    if (!(in.number(2, hour) && hour <= 23 && in.accept(':') && in.number(2, minute) &&
          minute <= 59)) {
        return false;
    }
    parts.offset_minutes = (east ? 1 : -1) * (hour * 60 + minute);
    return true;
}

bool read_timestamp(std::string_view text, Parts& parts) {
    Scanner in(text);
    return full_date(in, parts) && in.accept_any_of("Tt ") && partial_time(in, parts) &&
           time_offset(in, parts) && in.at_end();
}

// Days since 1970-01-01 in the proleptic Gregorian calendar (Howard Hinnant's days_from_civil).
std::int64_t days_from_civil(int year, int month, int day) {
    std::int64_t const y = month <= 2 ? year - 1 : year;
    std::int64_t const era = (y >= 0 ? y : y - 399) / 400;
    std::int64_t const year_of_era = y - era * 400;
    std::int64_t const day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
    std::int64_t const day_of_era =
        year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

}  // namespace

bool is_timestamp(std::string_view text) {
    Parts parts;
    return read_timestamp(text, parts);
}

std::optional<std::int64_t> to_unix_ms(std::string_view text) {
    Parts parts;
    if (!read_timestamp(text, parts)) {
        return std::nullopt;
    }
    std::int64_t const seconds = days_from_civil(parts.year, parts.month, parts.day) * 86400 +
                                 parts.hour * 3600 + parts.minute * 60 + parts.second -
                                 std::int64_t{parts.offset_minutes} * 60;
    return seconds * 1000 + parts.millisecond;
}

}  // namespace callsink::rfc3339
