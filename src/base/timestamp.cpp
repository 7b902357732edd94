#include "callsink/base/timestamp.hpp"

#include <array>

namespace callsink {
namespace {

// Writes `value` as exactly `width` decimal digits ending just before `end`.
void put_digits(char* end, int width, long long value) {
    for (int i = 0; i < width; ++i) {
        *--end = static_cast<char>('0' + value % 10);
        value /= 10;
    }
}

}  // namespace

// By hand rather than gmtime_r and snprintf: this runs once per delivery, and glibc's gmtime_r
// takes the time zone lock.
std::string format_rfc3339_ms(std::chrono::system_clock::time_point at) {
    using namespace std::chrono;
    auto const millis = floor<milliseconds>(at);
    auto const day = floor<days>(millis);
    year_month_day const date{day};
    hh_mm_ss const time{millis - day};
    std::array<char, 24> text{'0', '0', '0', '0', '-', '0', '0', '-', '0', '0', 'T', '0',
                              '0', ':', '0', '0', ':', '0', '0', '.', '0', '0', '0', 'Z'};
    put_digits(text.data() + 4, 4, static_cast<int>(date.year()));
    put_digits(text.data() + 7, 2, static_cast<unsigned>(date.month()));
    put_digits(text.data() + 10, 2, static_cast<unsigned>(date.day()));
    put_digits(text.data() + 13, 2, time.hours().count());
    put_digits(text.data() + 16, 2, time.minutes().count());
    put_digits(text.data() + 19, 2, time.seconds().count());
    put_digits(text.data() + 23, 3, time.subseconds().count());
    return std::string(text.data(), text.size());
}

}  // namespace callsink
