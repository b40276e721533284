// answer_cache.h: GET /summary's short-lived answers: fresh ones are reused, stale ones are
// not, and names chosen by pages cannot make the cache grow past its capacity.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "core/answer_cache.h"

using namespace std::chrono_literals;
using proof::core::AnswerCache;

TEST_CASE("Answer cache: an answer is reused while fresh, then asked for again", "[answer_cache]") {
  AnswerCache cache(8, 5s);
  const auto t0 = AnswerCache::Clock::time_point{} + 1h;
  CHECK_FALSE(cache.find("24/", t0));
  cache.keep("24/", "{\"count\":3}", t0);
  CHECK(cache.find("24/", t0 + 4999ms) == "{\"count\":3}");
  CHECK_FALSE(cache.find("24/", t0 + 5s));
  CHECK_FALSE(cache.find("24/mug", t0));  // another question, another answer
  cache.keep("24/", "{\"count\":4}", t0 + 5s);
  CHECK(cache.find("24/", t0 + 6s) == "{\"count\":4}");
}

TEST_CASE("Answer cache: past its capacity it keeps nothing new until answers go stale",
          "[answer_cache]") {
  AnswerCache cache(3, 5s);
  const auto t0 = AnswerCache::Clock::time_point{} + 1h;
  for (int i = 0; i < 1000; ++i) cache.keep("24/c" + std::to_string(i), "x", t0);
  CHECK(cache.size() == 3);
  CHECK(cache.find("24/c0", t0));
  CHECK_FALSE(cache.find("24/c3", t0));
  cache.keep("24/c0", "y", t0 + 1s);  // a key it holds is still renewed when full
  CHECK(cache.find("24/c0", t0 + 1s) == "y");
  // Once the others are stale, new questions are kept again.
  cache.keep("168/", "z", t0 + 5s);
  CHECK(cache.find("168/", t0 + 5s) == "z");
  CHECK(cache.size() <= 3);
}
