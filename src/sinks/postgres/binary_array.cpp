#include "callsink/sinks/postgres/binary_array.hpp"

namespace callsink {
namespace {

// The header: dimensions, whether any element is NULL, the element type; then, for the one
// dimension, its length and lower bound.
constexpr std::size_t kLengthAt = 12;

void put_u32(std::string& out, std::uint32_t value) {
    char const bytes[] = {static_cast<char>(value >> 24), static_cast<char>(value >> 16),
                          static_cast<char>(value >> 8), static_cast<char>(value)};
    out.append(bytes, sizeof bytes);
}

void set_u32(std::string& out, std::size_t at, std::uint32_t value) {
    out[at] = static_cast<char>(value >> 24);
    out[at + 1] = static_cast<char>(value >> 16);
    out[at + 2] = static_cast<char>(value >> 8);
    out[at + 3] = static_cast<char>(value);
}

// jsonb's binary form is its text after a version byte, which is 1.
constexpr char kJsonbVersion = 1;

}  // namespace

BinaryArray::BinaryArray(Element element) : element_(element) {
    clear();
}

void BinaryArray::clear() {
    buffer_.clear();
    put_u32(buffer_, 1);  // dimensions
    put_u32(buffer_, 0);  // no NULL element
    put_u32(buffer_, static_cast<std::uint32_t>(element_));
    put_u32(buffer_, 0);  // the length, kept up to date by add()
    put_u32(buffer_, 1);  // lower bound
    count_ = 0;
}

void BinaryArray::add(std::string_view value) {
    bool const jsonb = element_ == Element::jsonb;
    std::size_t const length = value.size() + (jsonb ? 1 : 0);
    put_u32(buffer_, static_cast<std::uint32_t>(length));
    if (jsonb) {
        buffer_ += kJsonbVersion;
    }
    buffer_.append(value);
    ++count_;
    set_u32(buffer_, kLengthAt, static_cast<std::uint32_t>(count_));
}

}  // namespace callsink
