#include "callsink/base/rfc3339.hpp"

#include <cstddef>

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

    bool digits() {
        std::size_t const start = pos_;
        while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
            ++pos_;
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

bool full_date(Scanner& in) {
    int year = 0;
    int month = 0;
    int day = 0;
    return in.number(4, year) && in.accept('-') && in.number(2, month) && month >= 1 &&
           month <= 12 && in.accept('-') && in.number(2, day) && day >= 1 &&
           day <= days_in_month(year, month);
}

bool partial_time(Scanner& in) {
    int hour = 0;
    int minute = 0;
    int second = 0;
    bool const whole = in.number(2, hour) && hour <= 23 && in.accept(':') && in.number(2, minute) &&
                       minute <= 59 && in.accept(':') && in.number(2, second) &&
                       second <= 60;  // 60: a leap second
    return whole && (!in.accept('.') || in.digits());
}

bool time_offset(Scanner& in) {
    if (in.accept_any_of("Zz")) {
        return true;
    }
    int hour = 0;
    int minute = 0;
    return in.accept_any_of("+-") && in.number(2, hour) && hour <= 23 && in.accept(':') &&
           in.number(2, minute) && minute <= 59;
}

}  // namespace

bool is_timestamp(std::string_view text) {
    Scanner in(text);
    return full_date(in) && in.accept_any_of("Tt ") && partial_time(in) && time_offset(in) &&
           in.at_end();
}

}  // namespace callsink::rfc3339
