// One array parameter for libpq in PostgreSQL's binary format (what array_send writes and
// array_recv reads): one dimension, no NULLs, text or jsonb elements. The postgres sink passes a
// batch as one array per column, so that one prepared statement stores a batch of any size;
// binary, because a record's quotes and backslashes would otherwise be escaped into an array
// literal, and read back out of it, for every element.
//
// Pure: bytes in, bytes out. The buffer is kept across clear(), so a sink reuses its allocation
// from one batch to the next. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace callsink {

class BinaryArray {
  public:
    // The element type, as its PostgreSQL type oid: array_recv checks it against the parameter's.
    enum class Element : std::uint32_t { text = 25, jsonb = 3802 };

    explicit BinaryArray(Element element);

    // Empties the array (its capacity stays).
    void clear();
    // Appends one element, shorter than 2 GiB (the protocol's lengths are 32 bits; a record is
    // bounded far below by server.max_body_bytes). A jsonb element is JSON text; its format's
    // version byte is added here.
    void add(std::string_view value);

    std::size_t size() const { return count_; }
    // The parameter's bytes, for PQsendQueryPrepared with format 1 (binary).
    std::string_view bytes() const { return buffer_; }

  private:
    Element element_;
    std::string buffer_;
    std::size_t count_ = 0;
};

}  // namespace callsink
