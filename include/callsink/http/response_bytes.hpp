// An HTTP/1.x response as the bytes that go on the wire, in one contiguous string, so a session
// writes it with one write of one buffer. Beast's serializer produces the same bytes through a
// chain of buffer views that, for replies this small, costs more than the rest of the reply
// (measured: about 5% of the CPU per delivery). tests/unit/response_bytes_test.cpp holds this to
// Beast's own output. Pure.
#pragma once

#include <string>

#include "callsink/http/messages.hpp"

namespace callsink {

// Status line, the fields in their order, a blank line, the body. The caller has set what it
// needs (Content-Length through prepare_payload(), Connection through keep_alive()).
std::string response_bytes(Response const& response);

}  // namespace callsink
