// The postgres sink's classification of refusals: data exceptions and the constraints a record's
// own values break are permanent; the database's state, refusals other rows decide, and anything
// unknown stay transient (retried), so a wrong guess delays and never loses.
#include "callsink/sinks/postgres/postgres_refusal.hpp"

#include <gtest/gtest.h>

namespace callsink {
namespace {

TEST(PostgresRefusal, AnEscapeTextCannotHoldIsPermanent) {
    EXPECT_TRUE(sqlstate_refuses_for_good("22P05"));  // untranslatable_character
}

TEST(PostgresRefusal, AValueTooLongIsPermanent) {
    EXPECT_TRUE(sqlstate_refuses_for_good("22001"));  // string_data_right_truncation
}

TEST(PostgresRefusal, EveryOtherDataExceptionIsPermanent) {
    for (char const* state : {"22P02", "22003", "22007", "22008", "22021", "22000"}) {
        EXPECT_TRUE(sqlstate_refuses_for_good(state)) << state;
    }
}

TEST(PostgresRefusal, ACheckViolationIsPermanent) {
    EXPECT_TRUE(sqlstate_refuses_for_good("23514"));
}

TEST(PostgresRefusal, ANotNullOrExclusionViolationIsPermanent) {
    EXPECT_TRUE(sqlstate_refuses_for_good("23502"));
    EXPECT_TRUE(sqlstate_refuses_for_good("23P01"));
}

TEST(PostgresRefusal, AnIndexRowPastItsLimitIsPermanent) {
    EXPECT_TRUE(sqlstate_refuses_for_good("54000"));
}

TEST(PostgresRefusal, RefusalsOtherRowsDecideAreTransient) {
    EXPECT_FALSE(sqlstate_refuses_for_good("23505"));  // unique_violation
    EXPECT_FALSE(sqlstate_refuses_for_good("23503"));  // foreign_key_violation
    EXPECT_FALSE(sqlstate_refuses_for_good("23000"));  // integrity_constraint_violation
}

TEST(PostgresRefusal, LimitsOfTheStatementAreTransient) {
    EXPECT_FALSE(sqlstate_refuses_for_good("54001"));  // statement_too_complex
    EXPECT_FALSE(sqlstate_refuses_for_good("54023"));  // too_many_arguments
}

TEST(PostgresRefusal, TheDatabasesStateIsTransient) {
    for (char const* state : {"40001", "40P01", "55P03", "57014", "57P01", "53100", "53300",
                              "08006", "08001", "42P01", "42501", "25P02", "XX000"}) {
        EXPECT_FALSE(sqlstate_refuses_for_good(state)) << state;
    }
}

TEST(PostgresRefusal, NoSqlstateIsTransient) {
    EXPECT_FALSE(sqlstate_refuses_for_good(""));
    EXPECT_FALSE(sqlstate_refuses_for_good("22"));
}

TEST(PostgresRefusal, RecordRefusalsAreClassesTwentyTwoTwentyThreeAndFiftyFour) {
    for (char const* state : {"22P05", "22001", "23514", "23505", "23503", "54000", "54001"}) {
        EXPECT_TRUE(sqlstate_refuses_a_record(state)) << state;
    }
    for (char const* state : {"40P01", "55P03", "57014", "08006", "42P01", ""}) {
        EXPECT_FALSE(sqlstate_refuses_a_record(state)) << state;
    }
}

}  // namespace
}  // namespace callsink
