#include <catch2/catch.hpp>

#include "cli/parse.h"

using namespace slotsim;
using namespace slotsim::cli;

TEST_CASE("durations parse with units", "[cli]") {
  CHECK(parse_duration("250ms") == ms(250));
  CHECK(parse_duration("2.5s") == ms(2500));
  CHECK(parse_duration("3m") == seconds(180));
  CHECK(parse_duration("1h") == seconds(3600));
  CHECK(parse_duration("100us") == us(100));
  CHECK(parse_duration("10ns") == 10);
  CHECK(parse_duration("7") == seconds(7));
  CHECK_FALSE(parse_duration(""));
  CHECK_FALSE(parse_duration("ms"));
  CHECK_FALSE(parse_duration("5 parsecs"));
  CHECK_FALSE(parse_duration("-1s"));
  CHECK_FALSE(parse_duration("1e30s"));
  CHECK_FALSE(parse_duration("1.2.3s"));
}

TEST_CASE("seed ranges parse inclusively", "[cli]") {
  auto range = parse_seed_range("10..19");
  REQUIRE(range);
  CHECK(range->first == 10);
  CHECK(range->last == 19);
  CHECK(range->count() == 10);
  auto single = parse_seed_range("5");
  REQUIRE(single);
  CHECK(single->count() == 1);
  CHECK_FALSE(parse_seed_range("9..3"));
  CHECK_FALSE(parse_seed_range("a..b"));
  CHECK_FALSE(parse_seed_range("1.."));
  CHECK_FALSE(parse_seed_range(""));
}
