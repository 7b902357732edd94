#include "callsink/journal/journal_frame.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include "callsink/base/crc32c.hpp"
#include "callsink/journal/record_codec.hpp"

namespace callsink {

namespace {

constexpr std::array<char, 4> kMagic{'\xF7', 'C', 'J', '\x01'};
constexpr std::size_t kLengthAt = 4;
constexpr std::size_t kSequenceAt = 8;
constexpr std::size_t kAppendedAt = 16;
constexpr std::size_t kPayloadCrcAt = 24;
constexpr std::size_t kHeaderCrcAt = 28;

template <class T>
void store(std::string& out, std::size_t at, T value) {
    std::memcpy(out.data() + at, &value, sizeof(T));
}

template <class T>
T load(std::string_view bytes, std::size_t at) {
    T value{};
    std::memcpy(&value, bytes.data() + at, sizeof(T));
    return value;
}

}  // namespace

void append_frame(std::uint64_t sequence, std::int64_t appended_at_ms, Record const& record,
                  std::string& out) {
    std::size_t const start = out.size();
    out.resize(start + kFrameHeaderBytes);
    encode_record(record, out);
    std::string_view const payload = std::string_view(out).substr(start + kFrameHeaderBytes);
    std::memcpy(out.data() + start, kMagic.data(), kMagic.size());
    store(out, start + kLengthAt, static_cast<std::uint32_t>(payload.size()));
    store(out, start + kSequenceAt, sequence);
    store(out, start + kAppendedAt, appended_at_ms);
    store(out, start + kPayloadCrcAt, crc32c(payload));
    std::string_view const header = std::string_view(out).substr(start, kHeaderCrcAt);
    store(out, start + kHeaderCrcAt, crc32c(header));
}

FrameView read_frame(std::string_view bytes) {
    FrameView frame;
    std::size_t const magic = std::min(bytes.size(), kMagic.size());
    if (bytes.substr(0, magic) != std::string_view(kMagic.data(), magic)) {
        return frame;  // damaged
    }
    if (bytes.size() < kFrameHeaderBytes) {
        frame.check = FrameCheck::incomplete;
        return frame;
    }
    if (load<std::uint32_t>(bytes, kHeaderCrcAt) != crc32c(bytes.substr(0, kHeaderCrcAt))) {
        return frame;
    }
    auto const length = load<std::uint32_t>(bytes, kLengthAt);
    if (length > kMaxFramePayload) {
        return frame;
    }
    if (bytes.size() - kFrameHeaderBytes < length) {
        frame.check = FrameCheck::incomplete;
        frame.size = kFrameHeaderBytes + length;
        return frame;
    }
    std::string_view const payload = bytes.substr(kFrameHeaderBytes, length);
    if (load<std::uint32_t>(bytes, kPayloadCrcAt) != crc32c(payload)) {
        return frame;
    }
    frame.check = FrameCheck::whole;
    frame.sequence = load<std::uint64_t>(bytes, kSequenceAt);
    frame.appended_at_ms = load<std::int64_t>(bytes, kAppendedAt);
    frame.payload = payload;
    frame.size = kFrameHeaderBytes + length;
    return frame;
}

std::size_t find_whole_frame(std::string_view bytes, std::size_t from) {
    std::string_view const magic(kMagic.data(), kMagic.size());
    for (std::size_t at = bytes.find(magic, from + 1); at != std::string_view::npos;
         at = bytes.find(magic, at + 1)) {
        if (read_frame(bytes.substr(at)).check == FrameCheck::whole) {
            return at;
        }
    }
    return bytes.size();
}

}  // namespace callsink
