// Which of PostgreSQL's errors are about a record, and which of those no retry can fix: the one
// place the postgres sink decides it, by the error's SQLSTATE.
//
// A record the database refuses for good (its values break a rule the table holds: a data
// exception, class 22, such as 22P05 (an escape text cannot hold) or 22001 (a value too long); a
// NOT NULL, CHECK or exclusion constraint; 54000, an index row past its limit) fails the same way
// however often it is sent, and holds up every record behind it: the sink names it as refused
// (Sink::refused), and its caller moves it to the dead-letter file. Everything else is
// transient: the database's state (a lock, a timeout, a deadlock, a full disk, a lost
// connection), or a refusal that other rows decide (a unique or foreign key violation), or one
// not known here. A wrong guess towards transient only delays (503, retried); towards permanent
// it would move a record aside that a retry could have stored, so the list is short.
//
// Pure. Any thread.
#pragma once

#include <string_view>

namespace callsink {

// Whether the error is about what a record holds (class 22, data exception; 23, integrity; 54, a
// value past a limit), so that storing a batch's records apart finds the one refused. A timeout,
// a lock or a deadlock is the database's state, not a record's: retried alone, each record would
// wait out its own timeout, and be logged as refused.
bool sqlstate_refuses_a_record(std::string_view sqlstate);

// Whether a record refused with this SQLSTATE is refused for good (see above).
bool sqlstate_refuses_for_good(std::string_view sqlstate);

}  // namespace callsink
